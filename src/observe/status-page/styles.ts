/** The status page's stylesheet, inlined in the page (no script, no other request). */
export const CSS = `
:root{--ok:#1a7f37;--ok-bg:#e6f4ea;--bad:#c62828;--bad-bg:#fdecea;--warn:#b25e00;--warn-bg:#fff4e0;--off:#5f6368;--off-bg:#eef0f2;--drain:#6f42c1;--drain-bg:#f3eefc;--line:#d0d7de;--muted:#6a737d;--fg:#1f2328;--bg:#fff}
*{box-sizing:border-box}
body{margin:0;padding:12px 16px;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:18px;margin:0 0 2px}
h2{font-size:15px;margin:18px 0 6px;font-weight:600}
h2 small{font-weight:400;color:var(--muted);font-size:12px}
.meta,.summary{margin:2px 0;color:var(--muted)}
.summary{color:var(--fg)}
.note{background:var(--warn-bg);border-left:4px solid var(--warn);padding:6px 10px;margin:8px 0}
table{border-collapse:collapse;width:100%;table-layout:fixed}
col.c-origin{width:14%} col.c-health{width:15%} col.c-ejected{width:10%} col.c-overrides{width:11%} col.c-weight{width:6%} col.c-chart{width:176px} col.c-transitions{width:auto}
td{overflow-wrap:anywhere}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
th{font-size:11px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);font-weight:600;background:#f6f8fa}
tr.origin>td:first-child{border-left:4px solid var(--ok)}
tr.unhealthy{background:var(--bad-bg)} tr.unhealthy>td:first-child{border-left-color:var(--bad)}
tr.ejected{background:var(--warn-bg)} tr.ejected>td:first-child{border-left-color:var(--warn)}
tr.drained{background:var(--drain-bg)} tr.drained>td:first-child{border-left-color:var(--drain)}
tr.disabled{background:var(--off-bg);color:var(--off)} tr.disabled>td:first-child{border-left-color:var(--off)}
.id{font-size:14px}
.sub{color:var(--muted);font-size:12px}
.url{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.muted{color:var(--muted)}
.badge{display:inline-block;padding:1px 7px;border-radius:9px;font-size:12px;font-weight:600;color:#fff;background:var(--off)}
.badge.healthy,.badge.pool-up{background:var(--ok)}
.badge.unhealthy,.badge.pool-down{background:var(--bad)}
.badge.ejected,.badge.pool-degraded{background:var(--warn)}
.chip{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;border:1px solid var(--drain);color:var(--drain)}
.chip.reg{border-color:var(--muted);color:var(--muted);margin-left:6px}
.override{margin-bottom:3px}
.changed{color:var(--drain)}
.to.healthy{color:var(--ok);font-weight:600}
.to.unhealthy{color:var(--bad);font-weight:600}
.transitions{list-style:none;margin:0;padding:0}
.transitions li{margin-bottom:3px}
details summary{cursor:pointer;color:var(--muted);font-size:12px}
figure.chart{margin:0}
figcaption{font-size:12px}
svg.spark{display:block;max-width:100%;height:auto;background:#f6f8fa;border-radius:3px}
svg.spark .line{fill:none;stroke-width:1.5;stroke-linejoin:round;vector-effect:non-scaling-stroke}
svg.latency .line{stroke:#0969da} svg.latency .area{fill:#0969da22}
svg.errors .line{stroke:var(--bad)} svg.errors .area{fill:#c6282833}
svg.spark .fail{fill:var(--bad);opacity:.7}
.legend{color:var(--muted);font-size:12px;margin-top:16px}
.badge.rollout-progressing{background:#0969da} .badge.rollout-paused{background:var(--warn)} .badge.rollout-promoted{background:var(--ok)}
.badge.rollout-rolled_back,.badge.rollout-aborted{background:var(--bad)}
.badge.verdict.pass{background:var(--ok)} .badge.verdict.fail{background:var(--bad)} .badge.verdict.inconclusive{background:var(--off)}
ol.steps{list-style:none;display:flex;gap:4px;margin:4px 0;padding:0}
ol.steps li{padding:1px 8px;border:1px solid var(--line);border-radius:9px;font-size:12px;color:var(--muted)}
ol.steps li.done{background:var(--ok-bg);color:var(--ok);border-color:var(--ok)} ol.steps li.current{background:#0969da;color:#fff;border-color:#0969da}
tr.verdict-fail{background:var(--bad-bg)}
@media (max-width:760px){
  body{padding:8px}
  table,tbody,tr,td{display:block;width:100%}
  thead{display:none}
  tr.origin{border:1px solid var(--line);border-left-width:4px;border-radius:6px;margin-bottom:10px;padding:4px 0}
  tr.origin>td:first-child{border-left:0}
  tr.healthy{border-left-color:var(--ok)} tr.unhealthy{border-left-color:var(--bad)} tr.ejected{border-left-color:var(--warn)}
  tr.drained{border-left-color:var(--drain)} tr.disabled{border-left-color:var(--off)}
  td{border:0;padding:3px 10px 3px 112px;position:relative;min-height:22px}
  td.none{display:none}
  td::before{content:attr(data-label);position:absolute;left:10px;top:5px;width:96px;font-size:11px;text-transform:uppercase;color:var(--muted)}
}
`;
