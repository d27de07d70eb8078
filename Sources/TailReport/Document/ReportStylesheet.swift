/// The report's inline CSS: a light, readable theme; figures scale to the page width.
enum ReportStylesheet {
    static let css = """
    :root { color-scheme: light; }
    * { box-sizing: border-box; }
    body { margin: 0; background: #f6f7f9; color: #1f2937;
      font: 15px/1.55 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
    main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 48px; background: #ffffff;
      min-height: 100vh; box-shadow: 0 0 0 1px #e5e7eb; }
    header { border-bottom: 2px solid #e5e7eb; margin-bottom: 20px; padding-bottom: 10px; }
    h1 { font-size: 26px; margin: 0 0 4px; color: #111827; }
    h2 { font-size: 19px; margin: 32px 0 10px; color: #111827; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
    .subtitle { margin: 0; color: #6b7280; }
    p { margin: 8px 0; max-width: 80ch; }
    pre { background: #f3f4f6; border: 1px solid #e5e7eb; border-radius: 6px; padding: 10px 12px;
      overflow-x: auto; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 10px 0; }
    dl.kv dt { color: #6b7280; }
    dl.kv dd { margin: 0; font-variant-numeric: tabular-nums; }
    .table-wrap { overflow-x: auto; margin: 12px 0; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
    caption { caption-side: top; text-align: left; font-weight: 600; padding: 4px 0 6px; color: #374151; }
    th, td { padding: 5px 12px; border-bottom: 1px solid #e5e7eb; text-align: left; }
    th { background: #f3f4f6; font-weight: 600; border-bottom: 2px solid #d1d5db; }
    tbody tr:nth-child(even) { background: #fafafa; }
    td.num { text-align: right; }
    td.best { font-weight: 700; color: #065f46; background: #ecfdf5; }
    figure { margin: 14px 0; }
    svg.chart { display: block; width: 100%; height: auto; max-width: 760px; }
    .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; align-items: start; }
    .grid figure { margin: 0; }
    .grid h2 { font-size: 16px; margin-top: 0; }

    """
}
