"""What crosses the network between Pantau's parts, in one small package both ends import:
the agent (which must stay lean: standard library only here) and the collector, which never
imports the agent."""
