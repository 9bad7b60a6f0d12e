// The analytics panel: what the worker computed (analytics.js), as text the page can read at a
// glance. Rebuilt at most when a new report arrives (four times a second).
import { compact } from "./charts.js";

const lamports = (v) => compact(v);
const bps = (v) => `${v >= 0 ? "+" : ""}${v.toFixed(1)} bps`;

function line(parent, text, cls) {
  const div = document.createElement("div");
  div.textContent = text;
  if (cls) div.className = cls;
  parent.appendChild(div);
  return div;
}

// el: the panel; report: Analytics.report(); select(pool index): chart that pool's price
export function renderAnalytics(el, report, select) {
  const out = document.createDocumentFragment();
  const s = report.totals;
  line(out, "opportunities (value − tip − fee, per outcome)", "head");
  line(out, `${s.opportunities} decided, ${s.landed} landed · profit ${lamports(s.profit)} ` +
            `(${s.opportunities ? lamports(s.profit / s.opportunities) : 0} each) · value ${lamports(s.value)}, ` +
            `tips ${lamports(s.tips)}, fees ${lamports(s.fees)}`);
  for (const p of report.profits.slice(-2).reverse()) {
    line(out, `  #${p.id} ${p.landed ? "landed" : "missed"}: ${p.landed ? lamports(p.value) : 0} − ${lamports(p.tip)} − ` +
              `${lamports(p.fee)} = ${lamports(p.profit)}`, p.profit >= 0 ? "landed" : "missed");
  }
  const c = report.cycles;
  line(out, `arbitrage over ${c.pools} pools in view (recomputed here, after fees)`, "head");
  for (const x of [...c.spreads.slice(0, 1), ...c.triangles.slice(0, 2)]) {
    line(out, `  ${bps(x.bps)} ${x.path} via ${x.names.join(", ")}`, x.bps > 0 ? "landed" : "");
  }
  line(out, `the bot's finder: ${report.finder.count} cycles found`, "head");
  for (const f of report.finder.last.slice(-1)) {
    line(out, `  ${f.hops} hops from ${f.mint}: ${lamports(f.profit)} on ${lamports(f.input)} via ${f.names.join(", ")}`);
  }
  const cache = report.cache;
  line(out, `pools (cache ${cache.size}/${cache.capacity}, evicted ${cache.evicted}, expired ${cache.expired}); click to chart`, "head");
  for (const p of report.pools.slice(-3)) {
    const pv = p.pivots ? ` S1 ${p.pivots.s1.toPrecision(4)} P ${p.pivots.p.toPrecision(4)} R1 ${p.pivots.r1.toPrecision(4)}` : "";
    const row = line(out, `  ${p.name} ${p.pair} ${p.price ? p.price.toPrecision(5) : "-"}${pv}`,
                     report.chart && report.chart.index === p.index ? "chosen" : "pool");
    row.onclick = () => select(p.index);
  }
  el.replaceChildren(out);
}
