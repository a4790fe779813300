"""Telling people: what every channel says, laid out once (`compose`), and the chat
channel's rendering."""
