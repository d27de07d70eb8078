/// The page, its script and its style, served from the binary (no CDN, no files on disk).
enum DashboardAssets {
    static let script = DashboardScript.text

    static let page = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TailKit dashboard</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header><h1>TailKit dashboard</h1><span id="status" class="status down">connecting…</span><span id="updated"></span></header>
<main>
<aside><h2>Runs</h2><div id="runs"></div></aside>
<section>
<h2>Curves</h2>
<div id="curves" class="grid"></div>
<h2>Per class
  <label>run <select id="focus"></select></label>
  <label>epoch <input type="range" id="epoch" min="0" max="0" value="0"></label> <span id="epochLabel"></span>
  <label><input type="checkbox" id="follow" checked> follow the latest</label>
</h2>
<div id="perclass" class="grid"></div>
<h2>Settings <label><input type="checkbox" id="onlyDiff" checked> only differences</label></h2>
<div id="configs"></div>
</section>
</main>
</body>
</html>
"""#

    static let style = #"""
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; color: #222; background: #f6f7f9; }
header { display: flex; align-items: baseline; gap: 12px; padding: 8px 16px; background: #1d2733; color: #fff; }
header h1 { font-size: 16px; margin: 0; }
#updated { color: #9ab; font-size: 12px; }
.status { font-size: 12px; padding: 1px 8px; border-radius: 9px; }
.status.live { background: #2ca02c; }
.status.down { background: #b8860b; }
main { display: flex; align-items: flex-start; }
aside { width: 250px; flex: none; padding: 8px 12px; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; }
section { flex: 1; padding: 0 16px 24px 4px; min-width: 0; }
h2 { font-size: 14px; margin: 14px 0 6px; display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }
h2 label { font-weight: normal; }
.run { background: #fff; border: 1px solid #dde; border-radius: 5px; padding: 5px 7px; margin-bottom: 6px; }
.run .progress { color: #555; font-size: 12px; }
.run .note { color: #8a4b00; font-size: 12px; }
.run a { font-size: 11px; color: #357; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 5px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 8px; }
svg.chart { width: 100%; background: #fff; border: 1px solid #dde; border-radius: 5px; }
svg .title { font-size: 12px; font-weight: 600; fill: #222; }
svg .grid { stroke: #eee; }
svg .axis { stroke: #999; }
svg .ylabel { font-size: 10px; fill: #666; text-anchor: end; }
svg .xlabel { font-size: 10px; fill: #666; text-anchor: middle; }
svg .xtitle { font-size: 10px; fill: #888; text-anchor: end; }
svg .legend { font-size: 10px; fill: #555; }
svg path.series { fill: none; stroke-width: 1.6; }
svg .prev-point { fill: #bbb; }
svg .move { stroke-width: 1; opacity: .7; }
svg .class-point { stroke: #fff; stroke-width: .5; }
.empty { color: #777; font-style: italic; }
.scroll { overflow-x: auto; max-width: 100%; }
table.config { border-collapse: collapse; background: #fff; font-size: 12px; }
table.config th, table.config td { border: 1px solid #dde; padding: 2px 8px; text-align: left; }
table.config tr.diff td { background: #fff4d6; }
"""#
}
