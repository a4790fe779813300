"""The status page's stylesheet, inlined into the page: no second request, no asset to lose.

Laid out for a 360 px phone first; wider screens get more boxes per row. The state colours
keep white text readable (contrast at least 4.5:1) and differ in lightness too, for readers
who do not tell red from green.
"""

STYLESHEET = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef1f4; color: #111827;
  font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header { background: #1f2937; color: #fff;
  padding: 12px max(14px, calc((100% - 1100px) / 2 + 14px)); }
h1 { margin: 0; font-size: 1.3rem; }
h1 span { font-weight: normal; color: #d1d5db; font-size: 1rem; margin-left: .4em; }
.summary { display: flex; flex-wrap: wrap; gap: 6px; list-style: none; margin: 10px 0 0;
  padding: 0; }
.summary li { background: var(--c); color: #fff; font-weight: 700; padding: 4px 10px;
  border-radius: 999px; }
.summary li[data-count="0"] { background: transparent; color: #9ca3af;
  box-shadow: inset 0 0 0 1px #4b5563; }
.rendered { margin: 8px 0 0; font-size: .85rem; color: #d1d5db; }
main { max-width: 1100px; margin: 0 auto; padding: 4px 10px 10px; }
h2 { font-size: .85rem; text-transform: uppercase; letter-spacing: .06em; color: #4b5563;
  margin: 16px 4px 8px; }
.sites { display: grid; gap: 10px;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 330px), 1fr)); }
.site { background: #fff; border-left: 10px solid var(--c); border-radius: 8px;
  padding: 10px 12px; box-shadow: 0 1px 2px rgba(0, 0, 0, .15); min-width: 0; }
.site.state-down { background: #fef2f2; }
.site.state-degraded { background: #fffbeb; }
.head { display: flex; justify-content: space-between; align-items: flex-start; gap: 8px; }
h3 { margin: 0; font-size: 1.1rem; overflow-wrap: anywhere; }
.name { font: .8rem monospace; color: #6b7280; font-weight: normal; }
.badge { background: var(--c); color: #fff; font-weight: 700; padding: 4px 10px;
  border-radius: 6px; white-space: nowrap; font-size: .95rem; }
.badge.small { font-size: .7rem; padding: 2px 6px; white-space: normal; display: inline-block;
  text-align: center; }
.since { margin: 4px 0 6px; font-size: .9rem; color: #374151; }
.acked { margin: 2px 0 6px; font-size: .85rem; color: #065f46; font-weight: 600; }
td .acked { margin: 2px 0 0; }
.links, .services { width: 100%; border-collapse: collapse; font-size: .9rem; }
.links th, .services th { text-align: left; font-size: .7rem; text-transform: uppercase;
  color: #6b7280; font-weight: 600; padding: 2px 4px; }
.links td, .services td { border-top: 1px solid #e5e7eb; padding: 5px 4px;
  vertical-align: middle; }
.links td:last-child, .services td:last-child { text-align: right; }
.services { margin-top: 6px; }
.kind { display: block; font-size: .75rem; color: #6b7280; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.links th.num { text-align: right; }
.behind { margin-top: 10px; background: #fff; border: 1px solid #fecaca; border-radius: 6px;
  padding: 6px 10px; }
.behind h4 { margin: 0 0 4px; font-size: .85rem; color: #7f1d1d; }
.behind ul { list-style: none; margin: 0; padding: 0; }
.behind li { display: flex; justify-content: space-between; align-items: center; gap: 8px;
  padding: 5px 0; border-top: 1px solid #f3f4f6; overflow-wrap: anywhere; }
footer { max-width: 1100px; margin: 0 auto; padding: 8px 14px 20px; font-size: .8rem;
  color: #4b5563; }
footer a { color: inherit; }
.state-up { --c: #15803d; }
.state-degraded { --c: #b45309; }
.state-down { --c: #b91c1c; }
.state-unreachable { --c: #6d28d9; }
.state-unknown { --c: #4b5563; }
.state-error { --c: #9d174d; }
"""
