/// The page's style sheet.
enum ReportStyle {
    static let css = #"""
:root { --row: 20px; --label: 430px; --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #fff;
  --running: #4f7cc4; --exit0: #3a9a5b; --nonzero: #e08a1e; --killed: #d43c3c; --core: #8a46c2; --lost: #d40000; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 13px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  display: flex; flex-direction: column; overflow: hidden; }
code, .mono, .row .label, #details dd { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12px; }
header { padding: 8px 12px 4px; border-bottom: 1px solid var(--line); flex: none; }
h1 { font-size: 16px; margin: 0 0 2px; }
h1 span { font-weight: normal; color: var(--muted); }
#meta { margin: 0 0 6px; color: var(--muted); }
#summary { display: flex; gap: 10px; align-items: flex-start; max-height: 190px; overflow: auto; }
.cards { display: grid; grid-template-columns: repeat(5, auto); gap: 6px; flex: none; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 3px 9px; min-width: 80px; }
.card b { display: block; font-size: 17px; }
.card span { color: var(--muted); font-size: 11px; }
.card.bad b { color: var(--killed); }
.list { border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; flex: 0 1 330px; min-width: 0; overflow: hidden; }
.list h2 { font-size: 12px; margin: 0 0 2px; color: var(--muted); font-weight: 600; }
.list table { border-collapse: collapse; }
.list td { padding: 0 6px 0 0; vertical-align: top; max-width: 220px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.list td.n { text-align: right; color: var(--muted); }
#toolbar { display: flex; gap: 14px; align-items: center; padding: 6px 12px; border-bottom: 1px solid var(--line); flex: none; flex-wrap: wrap; }
#find { width: 280px; }
#find-status { color: var(--muted); margin-left: 6px; }
#outcomes { border: 0; padding: 0; margin: 0; display: flex; gap: 8px; align-items: center; }
#outcomes legend { float: left; margin-right: 6px; color: var(--muted); }
#outcomes label { display: inline-flex; align-items: center; gap: 3px; }
.swatch { display: inline-block; width: 12px; height: 10px; border-radius: 2px; }
#main { flex: 1; display: flex; min-height: 0; }
#timeline { flex: 1; display: flex; flex-direction: column; min-width: 0; }
#axis { display: flex; height: 24px; border-bottom: 1px solid var(--line); flex: none; cursor: zoom-in; }
#axis-label { width: var(--label); flex: none; padding: 4px 8px; color: var(--muted); border-right: 1px solid var(--line); }
#axis-track { position: relative; flex: 1; overflow: hidden; }
.tick { position: absolute; top: 0; bottom: 0; border-left: 1px solid #c8cdd6; padding-left: 3px; font-size: 11px; color: var(--muted); white-space: nowrap; }
.lost-flag { position: absolute; top: 0; color: #fff; background: var(--lost); font-size: 10px; padding: 0 3px; border-radius: 2px; white-space: nowrap; }
#viewport { position: relative; flex: 1; overflow-y: auto; overflow-x: hidden; }
#rows { position: absolute; top: 0; left: 0; right: 0; }
#overlay { position: absolute; top: 0; left: var(--label); right: 0; pointer-events: none; }
.lost-line { position: absolute; top: 0; width: 0; border-left: 2px dashed var(--lost); }
.row { display: flex; height: var(--row); border-bottom: 1px solid #f2f4f7; }
.row:hover { background: #f6f8fb; }
.row.selected { background: #e3ecfb; }
.row.match .label { background: #fff4c2; }
.row.dim { opacity: 0.45; }
.row .label { width: var(--label); flex: none; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding: 1px 6px 0 0; border-right: 1px solid var(--line); cursor: pointer; }
.twisty { display: inline-block; width: 16px; text-align: center; color: var(--muted); cursor: pointer; user-select: none; }
.pid { color: var(--muted); margin-right: 5px; }
.depth { color: var(--muted); margin-right: 5px; }
.comm { font-weight: 600; margin-right: 6px; }
.args { color: #475467; }
.adopted { color: var(--nonzero); margin-left: 6px; }
.group .comm { font-weight: 600; color: #344054; }
.track { position: relative; flex: 1; overflow: hidden; cursor: grab; }
.track.dragging { cursor: grabbing; }
.bar, .zombie, .span { position: absolute; top: 4px; height: 11px; border-radius: 2px; min-width: 2px; }
.span { top: 3px; height: 13px; opacity: 0.55; }
.zombie, .swatch.hatched { background: repeating-linear-gradient(135deg, #9aa1ad 0 3px, #e6e8ec 3px 6px); }
.zombie.lingering { background: repeating-linear-gradient(135deg, var(--killed) 0 3px, #f6d5d5 3px 6px); }
.o-running { background: var(--running); } .o-exit0 { background: var(--exit0); } .o-nonzero { background: var(--nonzero); }
.o-killed { background: var(--killed); } .o-core { background: var(--core); }
.o-mixed { background: linear-gradient(90deg, var(--exit0), var(--nonzero)); }
.bar.unseen { border-left: 3px dotted #fff; }
.mark { position: absolute; top: 1px; width: 2px; height: 17px; background: #101828; }
.mark.reparent { background: var(--nonzero); width: 3px; }
.fail-tick { position: absolute; top: 2px; width: 1px; height: 15px; background: var(--killed); }
#details { width: 420px; flex: none; border-left: 1px solid var(--line); overflow: auto; padding: 8px 10px; }
#details h2 { font-size: 14px; margin: 0 0 6px; word-break: break-all; }
#details h3 { font-size: 12px; margin: 10px 0 3px; color: var(--muted); }
#details dl { display: grid; grid-template-columns: max-content 1fr; gap: 1px 8px; margin: 0; }
#details dt { color: var(--muted); }
#details dd { margin: 0; word-break: break-all; white-space: pre-wrap; }
#details .record { border-top: 1px solid var(--line); padding: 3px 0; }
#details .record > b { font-size: 12px; }
#details .changed { color: var(--killed); }
.hint { color: var(--muted); }
"""#
}
