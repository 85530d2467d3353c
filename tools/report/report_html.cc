#include "tools/report/report_html.h"

#include "absl/strings/str_cat.h"
#include "tools/report/retention_report.h"

namespace boomerang {
namespace {

// Before anything else runs: any script error leaves a mark a test can see.
constexpr char kErrorHook[] = R"JS(
window.onerror = function (msg, src, line) {
  var el = document.documentElement;
  el.dataset.jsError = (el.dataset.jsError ? el.dataset.jsError + ' | ' : '') +
      msg + ' (line ' + line + ')';
};
)JS";

constexpr char kStyle[] = R"CSS(
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #f5f7fa;
        --c1: #1f6fb2; --c2: #e07b24; --c3: #3a9e5f; --c4: #8e5bb5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 48px; }
header h1 { font-size: 26px; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); }
h2 { font-size: 20px; margin: 36px 0 12px; border-bottom: 2px solid var(--line);
     padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 6px; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px;
        margin-top: 20px; }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 8px;
       padding: 12px 14px; }
.kpi .v { font-size: 22px; font-weight: bold; }
.kpi .k { color: var(--muted); font-size: 13px; }
.kpi .s { color: var(--muted); font-size: 12px; }
figure.chart { background: #fff; border: 1px solid var(--line);
               border-radius: 8px; margin: 16px 0; padding: 14px 16px; }
figure.chart svg { width: 100%; height: auto; display: block; }
.explain { color: var(--muted); font-size: 13.5px; margin: 8px 0 0; }
.insight { font-size: 14px; margin: 6px 0 0; }
.unavailable { color: #a13d2d; }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; fill: var(--ink); }
svg .grid { stroke: #e4e9f0; stroke-width: 1; }
svg .axis { stroke: #9aa5b1; stroke-width: 1; }
svg .tick { font-size: 12px; fill: var(--muted); }
svg .axis-title { font-size: 13px; fill: var(--muted); }
svg .value { font-size: 11px; fill: var(--ink); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; }
table.data { width: 100%; background: #fff; }
table.data th, table.data td { padding: 5px 8px; border-bottom: 1px solid var(--line);
                               text-align: right; }
table.data th:first-child, table.data td:first-child { text-align: left; }
table.heat th, table.heat td { padding: 4px 6px; text-align: right;
                               white-space: nowrap; }
table.heat th { color: var(--muted); font-weight: normal; }
table.heat td.hm { min-width: 52px; border: 1px solid #fff; }
table.heat tr.avg td { border-top: 2px solid var(--ink); font-weight: bold; }
table.heat td.partial { outline: 2px dashed #e07b24; outline-offset: -3px;
                        font-style: italic; }
dl.defs dt { font-weight: bold; margin-top: 8px; font-family: monospace; }
dl.defs dd { margin: 2px 0 0 18px; color: #323f4b; font-size: 14px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
footer { color: var(--muted); font-size: 12px; margin-top: 36px; }
)CSS";

// The page skeleton: one <figure class="chart"> per chart, its plot drawn
// by the script into `.plot`. The explanations are static text here.
constexpr char kBody[] = R"HTML(
<section id="overview">
  <div class="kpis" id="kpis"></div>
  <p class="explain" id="scope-note"></p>
</section>

<h2>Retention by month</h2>
<figure class="chart" data-chart="retention">
  <figcaption><h3>Customer retention rate by calendar month</h3></figcaption>
  <div class="plot"></div>
  <p class="insight"></p>
  <p class="explain"><b>Retention rate</b>: of the customers who ordered in the
  previous month, the share who ordered again this month. <b>Classic CRR</b>
  = (E &minus; N) / S: customers active this month (E) minus new ones (N),
  over last month's active customers (S); it also counts customers coming back
  after a gap, so it is higher. Hollow points and * mark months the data covers
  only in part.</p>
</figure>

<figure class="chart" data-chart="aov">
  <figcaption><h3>Average order value by month</h3></figcaption>
  <div class="plot"></div>
  <p class="explain">Revenue divided by orders in the month, guest orders
  included. An order's value is the sum of quantity &times; unit price of its
  purchase lines; returns are not netted out.</p>
</figure>

<figure class="chart" data-chart="activity">
  <figcaption><h3>Orders and customers by month</h3></figcaption>
  <div class="plot"></div>
  <p class="explain"><b>Active</b>: customers with an order in the month.
  <b>New</b>: customers whose first order in the data falls in the month (the
  first months also count long-standing customers as new, since the data does
  not show what came before). <b>Returning</b> = active &minus; new. Orders
  include guest orders.</p>
</figure>

<figure class="chart" data-chart="revenue">
  <figcaption><h3>Revenue by month</h3></figcaption>
  <div class="plot"></div>
  <p class="explain">Sum of order values in the month, guest orders
  included.</p>
</figure>

<h2>Cohorts</h2>
<figure class="chart" data-chart="cohort-customers">
  <figcaption><h3>Customer retention by monthly cohort</h3></figcaption>
  <div class="plot scroll"></div>
  <p class="explain">Each row is a cohort: the customers whose first order
  fell in that month. Cell +k is the share of the cohort who ordered in the
  k-th month after it (+0 is 100% by construction). The bottom row averages
  the cohorts that have reached month +k, weighted by their size. Darker is
  higher; dashed cells marked * fall in a month the data covers only in part
  (their share is low for that reason).</p>
</figure>

<figure class="chart" data-chart="cohort-revenue">
  <figcaption><h3>Revenue retention by monthly cohort</h3></figcaption>
  <div class="plot scroll"></div>
  <p class="explain">Cell +k is the cohort's revenue in its k-th month
  divided by its revenue in its first month. Above 100% means the cohort
  spends more than when it arrived (colours stop at 100%). Dashed cells
  marked * fall in a month the data covers only in part.</p>
</figure>

<h2>Customer lifetime value</h2>
<figure class="chart" data-chart="ltv-historic">
  <figcaption><h3>Historic revenue per customer</h3></figcaption>
  <div class="plot"></div>
  <div class="table-slot"></div>
  <p class="explain">Each customer's total order value so far, in buckets with
  log-spaced edges (each bucket is [from, to)). The hover text and the table
  also show how much of the revenue each bucket brings. Percentile pN is the
  value below which N% of customers fall.</p>
</figure>

<figure class="chart" data-chart="ltv-predicted">
  <figcaption><h3>Predicted revenue per customer</h3></figcaption>
  <div class="plot"></div>
  <div class="table-slot"></div>
  <p class="explain">Expected revenue of each customer over the horizon:
  expected orders from a BG/NBD model (customers buy at their own rate until
  they silently drop out) times the expected order value from a Gamma-Gamma
  model, both fitted on this data with orders on the same day counted once.
  A model estimate, best read in aggregate.</p>
</figure>

<h2>RFM segments</h2>
<figure class="chart" data-chart="segments">
  <figcaption><h3>Segment sizes and their revenue</h3></figcaption>
  <div class="plot"></div>
  <div class="table-slot"></div>
  <p class="explain">Customers are scored 1&ndash;5 on recency (days since the
  last order), frequency (orders) and monetary value (revenue) by quintiles;
  the segment follows from recency and frequency on the usual RFM grid
  (e.g. champions: bought recently and often; at risk: used to buy often,
  not lately; hibernating: neither). Bars compare each segment's share of
  customers with its share of customer revenue.</p>
</figure>

<h2>ABC / XYZ classes</h2>
<figure class="chart" data-chart="classes-customers">
  <figcaption><h3>Customers by revenue (ABC) and regularity (XYZ)</h3>
  </figcaption>
  <div class="plot"></div>
  <div class="table-slot"></div>
  <p class="explain">A: the customers who bring the first 80% of revenue,
  B the next 15%, C the rest. X: steady monthly spend (coefficient of
  variation up to 1.0, about every other month or more often), Y: variable
  (up to 2.0), Z: irregular, or less than 3 months since the first order.
  Cells: customers and their share of customer revenue.</p>
</figure>
<figure class="chart" data-chart="classes-items">
  <figcaption><h3>Items by revenue (ABC) and regularity of demand (XYZ)
  </h3></figcaption>
  <div class="plot"></div>
  <div class="table-slot"></div>
  <p class="explain">The same for items, by revenue and by monthly units
  (X: coefficient of variation up to 0.5, Y up to 1.0).</p>
</figure>

<h2>Input</h2>
<div id="input"></div>
)HTML";

constexpr char kScript[] = R"JS(
(function () {
'use strict';
var NS = 'http://www.w3.org/2000/svg';
var data = JSON.parse(document.getElementById('report-data').textContent);
var cur = data.currency || '';
var W = 1100;
var MONTHS = ['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct',
              'Nov','Dec'];

function nf(opts) {
  try { return new Intl.NumberFormat('en-GB', opts); }
  catch (e) { delete opts.currency; opts.style = 'decimal';
              return new Intl.NumberFormat('en-GB', opts); }
}
var intFmt = nf({maximumFractionDigits: 0});
var dec1 = nf({maximumFractionDigits: 1});
var moneyFmt = nf(cur ? {style: 'currency', currency: cur,
                         minimumFractionDigits: 2, maximumFractionDigits: 2}
                      : {minimumFractionDigits: 2, maximumFractionDigits: 2});
var moneyShortFmt = nf(cur ? {style: 'currency', currency: cur,
                              notation: 'compact', maximumFractionDigits: 1}
                           : {notation: 'compact', maximumFractionDigits: 1});
var compactFmt = nf({notation: 'compact', maximumFractionDigits: 1});
function isNum(v) { return typeof v === 'number' && isFinite(v); }
function money(v) { return isNum(v) ? moneyFmt.format(v) : '\u2013'; }
function moneyShort(v) { return isNum(v) ? moneyShortFmt.format(v) : '\u2013'; }
function int(v) { return isNum(v) ? intFmt.format(v) : '\u2013'; }
function pct(v) { return isNum(v) ? (100 * v).toFixed(1) + '%' : '\u2013'; }
function pct0(v) { return isNum(v) ? Math.round(100 * v) + '%' : '\u2013'; }
function monthLong(s) {
  var p = s.split('-');
  return MONTHS[+p[1] - 1] + ' ' + p[0];
}

function el(tag, attrs, parent, text) {
  var e = document.createElementNS(NS, tag);
  for (var k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function html(tag, attrs, parent, text) {
  var e = document.createElement(tag);
  for (var k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function tip(mark, text) { el('title', {}, mark, text); return mark; }

// 4-6 round tick values covering [lo, hi].
function niceTicks(lo, hi, n) {
  if (!(hi > lo)) hi = lo + 1;
  var raw = (hi - lo) / n;
  var mag = Math.pow(10, Math.floor(Math.log10(raw)));
  var step = [1, 2, 2.5, 5, 10].map(function (s) { return s * mag; })
      .find(function (s) { return s >= raw; });
  var t0 = Math.floor(lo / step) * step, t1 = Math.ceil(hi / step) * step;
  var ticks = [];
  for (var t = t0; t <= t1 + step * 1e-9; t += step) {
    ticks.push(+t.toFixed(10));
  }
  return ticks;
}

// Axes, grid and labels; returns the scales. o: labels (x categories),
// lo/hi (y range), yFmt, yTitle, xTitle, height, twoLine (month labels).
function frame(fig, o) {
  var H = o.height || 360;
  var M = {l: 84, r: 24, t: 40, b: o.twoLine ? 72 : (o.rotate ? 96 : 60)};
  var svg = el('svg', {viewBox: '0 0 ' + W + ' ' + H, role: 'img',
                       'aria-label': o.aria || ''},
               fig.querySelector('.plot'));
  var pw = W - M.l - M.r, ph = H - M.t - M.b;
  var n = o.labels.length;
  var band = pw / n;
  var ticks = niceTicks(o.lo, o.hi, 5);
  var lo = ticks[0], hi = ticks[ticks.length - 1];
  var x = function (i) { return M.l + (i + 0.5) * band; };
  var y = function (v) { return M.t + ph - (v - lo) / (hi - lo) * ph; };
  ticks.forEach(function (t) {
    el('line', {x1: M.l, x2: M.l + pw, y1: y(t), y2: y(t), 'class': 'grid'},
       svg);
    el('text', {x: M.l - 8, y: y(t) + 4, 'text-anchor': 'end',
                'class': 'tick'}, svg, o.yFmt(t));
  });
  el('line', {x1: M.l, x2: M.l + pw, y1: M.t + ph, y2: M.t + ph,
              'class': 'axis'}, svg);
  el('line', {x1: M.l, x2: M.l, y1: M.t, y2: M.t + ph, 'class': 'axis'}, svg);
  // Thin out labels so they never overlap.
  var widest = o.twoLine ? 40 : Math.max.apply(null, o.labels.map(
      function (s) { return String(s).length * 7; }));
  var every = o.rotate ? Math.max(1, Math.ceil(16 / band))
                       : Math.max(1, Math.ceil((widest + 8) / band));
  o.labels.forEach(function (s, i) {
    if (i % every !== 0) return;
    var tx = x(i), ty = M.t + ph + 18;
    if (o.twoLine) {
      var p = s.split('-');
      var t = el('text', {x: tx, y: ty, 'text-anchor': 'middle',
                          'class': 'tick'}, svg);
      el('tspan', {x: tx, dy: 0}, t,
         MONTHS[+p[1] - 1] + (o.partial && o.partial[i] ? '*' : ''));
      el('tspan', {x: tx, dy: 15}, t, p[0]);
    } else if (o.rotate) {
      el('text', {x: tx, y: ty, 'text-anchor': 'end', 'class': 'tick',
                  transform: 'rotate(-35 ' + tx + ' ' + ty + ')'}, svg, s);
    } else {
      el('text', {x: tx, y: ty, 'text-anchor': 'middle', 'class': 'tick'},
         svg, s);
    }
  });
  if (o.yTitle) {
    el('text', {x: 18, y: M.t + ph / 2, 'text-anchor': 'middle',
                'class': 'axis-title',
                transform: 'rotate(-90 18 ' + (M.t + ph / 2) + ')'},
       svg, o.yTitle);
  }
  if (o.xTitle) {
    el('text', {x: M.l + pw / 2, y: H - 8, 'text-anchor': 'middle',
                'class': 'axis-title'}, svg, o.xTitle);
  }
  return {svg: svg, x: x, y: y, band: band, M: M, pw: pw, ph: ph, lo: lo,
          hi: hi};
}

function legend(f, series) {
  var lx = f.M.l;
  series.forEach(function (s) {
    el('rect', {x: lx, y: 12, width: 14, height: 14, rx: 2, fill: s.color},
       f.svg);
    el('text', {x: lx + 20, y: 24, 'class': 'tick'}, f.svg, s.name);
    lx += 34 + s.name.length * 7.5;
  });
}

function numbers(series) {
  var all = [];
  series.forEach(function (s) {
    s.values.forEach(function (v) { if (isNum(v)) all.push(v); });
  });
  return all;
}

// Line chart over month labels; null values break the line.
function lineChart(fig, o) {
  var all = numbers(o.series);
  if (!all.length) return 0;
  var f = frame(fig, {labels: o.labels, lo: Math.min(0, Math.min.apply(null,
                      all)), hi: Math.max(o.hiAtLeast || 0,
                      Math.max.apply(null, all)) * 1.05, yFmt: o.yFmt,
                      yTitle: o.yTitle, xTitle: o.xTitle, twoLine: true,
                      partial: o.partial, aria: o.aria});
  var marks = 0;
  o.series.forEach(function (s) {
    var d = '', pen = false;
    s.values.forEach(function (v, i) {
      if (!isNum(v)) { pen = false; return; }
      d += (pen ? 'L' : 'M') + f.x(i).toFixed(1) + ',' + f.y(v).toFixed(1);
      pen = true;
    });
    if (d) {
      el('path', {d: d, fill: 'none', stroke: s.color, 'stroke-width': 2.5,
                  'class': 'mark'}, f.svg);
      marks++;
    }
    s.values.forEach(function (v, i) {
      if (!isNum(v)) return;
      var hollow = o.partial && o.partial[i];
      tip(el('circle', {cx: f.x(i), cy: f.y(v), r: 4.5, stroke: s.color,
                        'stroke-width': 2, fill: hollow ? '#fff' : s.color,
                        'class': 'mark'}, f.svg),
          s.name + ', ' + monthLong(o.labels[i]) + (hollow ? ' (partial)' : '') +
          ': ' + s.fmt(v));
      marks++;
    });
  });
  legend(f, o.series);
  return marks;
}

// Vertical bars. o: labels, values, color, yFmt, tips(i), valueFmt.
function barChart(fig, o) {
  var all = o.values.filter(isNum);
  if (!all.length) return 0;
  var f = frame(fig, {labels: o.labels, lo: 0,
                      hi: Math.max.apply(null, all) * 1.1, yFmt: o.yFmt,
                      yTitle: o.yTitle, xTitle: o.xTitle, twoLine: o.twoLine,
                      rotate: o.rotate, partial: o.partial, aria: o.aria});
  var marks = 0, w = Math.min(60, f.band * 0.72);
  o.values.forEach(function (v, i) {
    if (!isNum(v)) return;
    var y0 = f.y(0), y1 = f.y(v);
    var partial = o.partial && o.partial[i];
    tip(el('rect', {x: f.x(i) - w / 2, y: Math.min(y0, y1), width: w,
                    height: Math.max(Math.abs(y0 - y1), v > 0 ? 1 : 0),
                    fill: o.color, 'fill-opacity': partial ? 0.45 : 1,
                    'class': 'mark'}, f.svg), o.tips(i));
    marks++;
    if (o.valueFmt && f.band > 34) {
      el('text', {x: f.x(i), y: Math.min(y0, y1) - 5, 'text-anchor': 'middle',
                  'class': 'value'}, f.svg, o.valueFmt(v, i));
    }
  });
  return marks;
}

// Horizontal grouped bars (one group per label, one bar per series).
function hbarChart(fig, o) {
  var n = o.labels.length, k = o.series.length;
  var rowH = 16 * k + 14, top = 40, left = 170, right = 90;
  var H = top + n * rowH + 44;
  var svg = el('svg', {viewBox: '0 0 ' + W + ' ' + H, role: 'img',
                       'aria-label': o.aria || ''},
               fig.querySelector('.plot'));
  var all = numbers(o.series);
  var ticks = niceTicks(0, Math.max.apply(null, all.concat([0.01])), 5);
  var hi = ticks[ticks.length - 1];
  var pw = W - left - right;
  var x = function (v) { return left + v / hi * pw; };
  ticks.forEach(function (t) {
    el('line', {x1: x(t), x2: x(t), y1: top, y2: top + n * rowH,
                'class': 'grid'}, svg);
    el('text', {x: x(t), y: top + n * rowH + 18, 'text-anchor': 'middle',
                'class': 'tick'}, svg, o.xFmt(t));
  });
  el('text', {x: left + pw / 2, y: H - 6, 'text-anchor': 'middle',
              'class': 'axis-title'}, svg, o.xTitle);
  el('line', {x1: left, x2: left, y1: top, y2: top + n * rowH,
              'class': 'axis'}, svg);
  var marks = 0;
  o.labels.forEach(function (label, i) {
    var gy = top + i * rowH + 7;
    el('text', {x: left - 10, y: gy + 8 * k + 4, 'text-anchor': 'end',
                'class': 'tick', style: 'font-size:13px;fill:#1f2933'},
       svg, label);
    o.series.forEach(function (s, j) {
      var v = s.values[i];
      if (!isNum(v)) return;
      tip(el('rect', {x: left, y: gy + j * 16, width: Math.max(1, x(v) - left),
                      height: 13, fill: s.color, 'class': 'mark'}, svg),
          label + ', ' + s.name + ': ' + o.xFmt(v) +
              (s.tips ? ' (' + s.tips(i) + ')' : ''));
      el('text', {x: x(v) + 5, y: gy + j * 16 + 11, 'class': 'value'}, svg,
         o.xFmt(v));
      marks++;
    });
  });
  var f = {svg: svg, M: {l: left}};
  legend(f, o.series);
  return marks;
}

function heatColor(v) {
  var t = Math.max(0, Math.min(1, v));
  // From near-white to deep blue.
  var r = Math.round(239 - t * (239 - 16)), g = Math.round(246 - t * (246 - 75)),
      b = Math.round(255 - t * (255 - 140));
  return 'rgb(' + r + ',' + g + ',' + b + ')';
}

// Cohort matrix as a table with coloured cells.
function heatmap(fig, o) {
  var rows = o.rows;
  var width = 0;
  rows.forEach(function (r) { width = Math.max(width, o.values(r).length); });
  if (!width) return 0;
  var table = html('table', {'class': 'heat'}, fig.querySelector('.plot'));
  var thead = html('tr', {}, html('thead', {}, table));
  html('th', {style: 'text-align:left'}, thead, 'Cohort');
  html('th', {}, thead, o.sizeTitle);
  for (var k = 0; k < width; ++k) html('th', {}, thead, '+' + k);
  var tbody = html('tbody', {}, table);
  var marks = 0;
  // Calendar months covered only in part get a dashed outline.
  var partial = {};
  data.monthly.forEach(function (m, i) { if (m.partial) partial[i] = true; });
  var monthIndex = {};
  data.monthly.forEach(function (m, i) { monthIndex[m.month] = i; });
  function cells(tr, vals, title, first) {
    for (var k = 0; k < width; ++k) {
      var v = vals[k];
      if (k >= vals.length) { html('td', {}, tr); continue; }
      var part = first !== undefined && partial[first + k];
      var td = html('td', {'class': 'hm mark' + (part ? ' partial' : '')}, tr,
                    o.fmt(v) + (part ? '*' : ''));
      if (isNum(v)) {
        td.style.background = heatColor(v);
        if (v > 0.55) td.style.color = '#fff';
      }
      td.title = title(k) + (part ? ' (a month the data covers only in part)'
                                  : '');
      marks++;
    }
  }
  rows.forEach(function (r) {
    var tr = html('tr', {}, tbody);
    html('th', {style: 'text-align:left'}, tr, monthLong(r.cohort));
    html('td', {}, tr, o.size(r));
    cells(tr, o.values(r), function (k) { return o.title(r, k); },
          monthIndex[r.cohort]);
  });
  if (o.average) {
    var tr = html('tr', {'class': 'avg'}, tbody);
    html('td', {style: 'text-align:left'}, tr, 'Average');
    html('td', {}, tr, '');
    cells(tr, o.average, function (k) {
      return 'month +' + k + ': customer-weighted average of ' +
             'the cohorts that reached it';
    });
  }
  return marks;
}

function table(parent, head, rows) {
  var t = html('table', {'class': 'data'}, parent);
  if (head) {
    var tr = html('tr', {}, html('thead', {}, t));
    head.forEach(function (h) { html('th', {}, tr, h); });
  }
  var tb = html('tbody', {}, t);
  rows.forEach(function (r) {
    var tr = html('tr', {}, tb);
    r.forEach(function (c) { html('td', {}, tr, c); });
  });
  return t;
}

function bucketLabel(b) {
  return compactFmt.format(b.lo) + '\u2013' + compactFmt.format(b.hi);
}

function distributionChart(fig, d, what) {
  var total = d.total || 1;
  var marks = barChart(fig, {
    labels: d.buckets.map(bucketLabel),
    values: d.buckets.map(function (b) { return b.customers; }),
    color: 'var(--c1)', yFmt: int,
    rotate: d.buckets.some(function (b) {
      return bucketLabel(b).length * 7 > 0.9 * (W - 108) / d.buckets.length;
    }),
    yTitle: 'customers',
    xTitle: what + (cur ? ' (' + cur + ')' : '') + ', bucket [from, to)',
    valueFmt: function (v) { return int(v); },
    tips: function (i) {
      var b = d.buckets[i];
      return money(b.lo) + ' to ' + money(b.hi) + ': ' + int(b.customers) +
             ' customers (' + pct(b.customers / d.customers) + '), ' +
             money(b.value_sum) + ' (' + pct(b.value_sum / total) + ' of the total)';
    },
    aria: what + ' histogram'});
  var p = d.percentiles;
  var slot = fig.querySelector('.table-slot');
  table(slot, ['customers', 'mean', 'p10', 'p25', 'median', 'p75', 'p90',
               'p95', 'p99', 'max', 'total'],
        [[int(d.customers), money(d.mean), money(p.p10), money(p.p25),
          money(p.p50), money(p.p75), money(p.p90), money(p.p95),
          money(p.p99), money(d.max), money(d.total)]]);
  return marks;
}

var charts = {
  retention: function (fig) {
    var m = data.monthly;
    var marks = lineChart(fig, {
      labels: m.map(function (r) { return r.month; }),
      partial: m.map(function (r) { return r.partial; }),
      series: [
        {name: 'retention rate', color: 'var(--c1)', fmt: pct,
         values: m.map(function (r) { return r.retention_rate; })},
        {name: 'classic CRR (E\u2212N)/S', color: 'var(--c2)', fmt: pct,
         values: m.map(function (r) { return r.classic_crr; })}],
      yFmt: pct0, yTitle: 'share of last month\u2019s customers',
      hiAtLeast: 0.5, aria: 'monthly retention'});
    var last = null;
    m.forEach(function (r) {
      if (!r.partial && isNum(r.retention_rate)) last = r;
    });
    if (last) {
      var prev = m[m.indexOf(last) - 1];
      fig.querySelector('.insight').textContent =
          'In ' + monthLong(last.month) + ', ' + int(last.retained_customers) +
          ' of the ' + int(prev.active_customers) + ' customers of ' +
          monthLong(prev.month) + ' ordered again (' +
          pct(last.retention_rate) + ').';
    }
    return marks;
  },
  aov: function (fig) {
    var m = data.monthly;
    return lineChart(fig, {
      labels: m.map(function (r) { return r.month; }),
      partial: m.map(function (r) { return r.partial; }),
      series: [{name: 'average order value', color: 'var(--c1)', fmt: money,
                values: m.map(function (r) { return r.aov; })}],
      yFmt: moneyShort, yTitle: 'per order' + (cur ? ' (' + cur + ')' : ''),
      aria: 'average order value by month'});
  },
  activity: function (fig) {
    var m = data.monthly;
    function col(k) { return m.map(function (r) { return r[k]; }); }
    return lineChart(fig, {
      labels: col('month'), partial: col('partial'),
      series: [
        {name: 'orders', color: 'var(--c4)', fmt: int, values: col('orders')},
        {name: 'active customers', color: 'var(--c1)', fmt: int,
         values: col('active_customers')},
        {name: 'new customers', color: 'var(--c3)', fmt: int,
         values: col('new_customers')},
        {name: 'returning customers', color: 'var(--c2)', fmt: int,
         values: col('returning_customers')}],
      yFmt: int, yTitle: 'count', aria: 'orders and customers by month'});
  },
  revenue: function (fig) {
    var m = data.monthly;
    return barChart(fig, {
      labels: m.map(function (r) { return r.month; }),
      partial: m.map(function (r) { return r.partial; }),
      values: m.map(function (r) { return r.revenue; }),
      color: 'var(--c1)', yFmt: moneyShort, twoLine: true,
      yTitle: 'revenue' + (cur ? ' (' + cur + ')' : ''),
      valueFmt: function (v) { return moneyShort(v); },
      tips: function (i) {
        var r = m[i];
        return monthLong(r.month) + (r.partial ? ' (partial)' : '') + ': ' +
               money(r.revenue) + ' from ' + int(r.orders) + ' orders (' +
               int(r.guest_orders) + ' guest)';
      },
      aria: 'revenue by month'});
  },
  'cohort-customers': function (fig) {
    return heatmap(fig, {
      rows: data.cohorts.rows, sizeTitle: 'Customers',
      size: function (r) { return int(r.customers); },
      values: function (r) { return r.customer_retention; },
      average: data.cohorts.average_customer_retention, fmt: pct0,
      title: function (r, k) {
        return 'cohort ' + monthLong(r.cohort) + ', month +' + k + ': ' +
               int(r.active[k]) + ' of ' + int(r.customers) +
               ' customers ordered (' + pct(r.customer_retention[k]) + ')';
      }});
  },
  'cohort-revenue': function (fig) {
    return heatmap(fig, {
      rows: data.cohorts.rows,
      sizeTitle: 'Month +0 revenue',
      size: function (r) { return moneyShort(r.revenue[0]); },
      values: function (r) { return r.revenue_retention; }, fmt: pct0,
      title: function (r, k) {
        return 'cohort ' + monthLong(r.cohort) + ', month +' + k + ': ' +
               money(r.revenue[k]) + ' (' + pct(r.revenue_retention[k]) +
               ' of month +0)';
      }});
  },
  'ltv-historic': function (fig) {
    return distributionChart(fig, data.ltv.historic, 'revenue per customer');
  },
  'ltv-predicted': function (fig) {
    var p = data.ltv.predicted;
    if (!p.available) {
      html('p', {'class': 'unavailable'}, fig.querySelector('.plot'),
           'Not available: ' + p.reason);
      fig.dataset.skipped = p.reason;
      return 0;
    }
    var marks = distributionChart(fig, p.distribution,
        'predicted revenue per customer over ' + p.horizon_days + ' days');
    var bg = p.bg_nbd, gg = p.gamma_gamma;
    html('p', {'class': 'insight'}, fig.querySelector('.table-slot'),
         'Expected orders in the horizon: ' + int(p.expected_orders) +
         '; mean probability a customer is still active: ' +
         pct(p.mean_probability_alive) + '. BG/NBD r=' + bg.r.toPrecision(3) +
         ', \u03b1=' + bg.alpha.toPrecision(3) + ', a=' + bg.a.toPrecision(3) +
         ', b=' + bg.b.toPrecision(3) + (bg.fit.converged ? '' :
         ' (fit did not converge)') + '; Gamma-Gamma p=' + gg.p.toPrecision(3) +
         ', q=' + gg.q.toPrecision(3) + ', \u03b3=' + gg.gamma.toPrecision(3) +
         (gg.fit.converged ? '' : ' (fit did not converge)') + '.');
    var drop = bg.a / (bg.a + bg.b);
    if (drop < 0.01) {
      html('p', {'class': 'explain'}, fig.querySelector('.table-slot'),
           'The fitted chance of dropping out after a purchase is tiny (' +
           'a/(a+b) = ' + (100 * drop).toPrecision(2) + '%): in this data few ' +
           'customers visibly stop buying, so the model counts almost all ' +
           'as active and mostly extends each one\u2019s past buying rate. ' +
           'Read long horizons with care.');
    }
    return marks;
  },
  segments: function (fig) {
    var s = data.rfm.segments;
    var names = s.map(function (r) { return r.segment.replace(/_/g, ' '); });
    var marks = hbarChart(fig, {
      labels: names,
      series: [
        {name: 'share of customers', color: 'var(--c1)',
         values: s.map(function (r) { return r.share; }),
         tips: function (i) { return int(s[i].customers) + ' customers'; }},
        {name: 'share of revenue', color: 'var(--c2)',
         values: s.map(function (r) { return r.revenue_share; }),
         tips: function (i) { return money(s[i].revenue); }}],
      xFmt: pct0, xTitle: 'share of customers / of customer revenue',
      aria: 'RFM segments'});
    var predicted = data.ltv.predicted.available;
    var head = ['segment', 'customers', 'share', 'revenue', 'revenue share',
                'mean recency (days)', 'mean orders', 'mean revenue'];
    if (predicted) head.push('mean predicted value', 'mean P(active)');
    table(fig.querySelector('.table-slot'), head, s.map(function (r, i) {
      var row = [names[i], int(r.customers), pct(r.share), money(r.revenue),
                 pct(r.revenue_share),
                 isNum(r.mean_recency_days) ? dec1.format(r.mean_recency_days)
                                            : '\u2013',
                 isNum(r.mean_frequency) ? dec1.format(r.mean_frequency)
                                         : '\u2013',
                 money(r.mean_monetary)];
      if (predicted) {
        row.push(money(r.mean_predicted_ltv), pct(r.mean_probability_alive));
      }
      return row;
    }));
    return marks;
  }
};

function classMatrix(fig, m, what) {
  if (!m || !m.available) {
    fig.dataset.skipped = 'no revenue';
    html('p', {}, fig.querySelector('.plot'), 'No ' + what + ' data.');
    return 0;
  }
  var cells = m.cells;
  var marks = hbarChart(fig, {
    labels: cells.map(function (c) { return c.abc + c.xyz; }),
    series: [
      {name: 'share of ' + what, color: 'var(--c1)',
       values: cells.map(function (c) { return c.share; }),
       tips: function (i) { return int(cells[i].count) + ' ' + what; }},
      {name: 'share of revenue', color: 'var(--c2)',
       values: cells.map(function (c) { return c.revenue_share; }),
       tips: function (i) { return money(cells[i].revenue); }}],
    xFmt: pct0, xTitle: 'share of ' + what + ' / of revenue',
    aria: 'ABC / XYZ ' + what});
  var rows = ['A', 'B', 'C'].map(function (a, i) {
    var row = [a], n = 0, rev = 0;
    for (var x = 0; x < 3; x++) {
      var c = cells[3 * i + x];
      n += c.count; rev += c.revenue_share;
      row.push(int(c.count) + ' \u00b7 ' + pct(c.revenue_share));
    }
    row.push(int(n) + ' \u00b7 ' + pct(rev));
    return row;
  });
  table(fig.querySelector('.table-slot'),
        ['', 'X', 'Y', 'Z', 'all (' + what + ' \u00b7 revenue share)'], rows);
  return marks;
}
charts['classes-customers'] = function (fig) {
  return classMatrix(fig, data.abc_xyz && data.abc_xyz.customers, 'customers');
};
charts['classes-items'] = function (fig) {
  return classMatrix(fig, data.abc_xyz && data.abc_xyz.items, 'items');
};

function kpis() {
  var t = data.totals, r = data.repeat_purchase;
  var box = document.getElementById('kpis');
  function card(k, v, s) {
    var d = html('div', {'class': 'kpi'}, box);
    html('div', {'class': 'k'}, d, k);
    html('div', {'class': 'v'}, d, v);
    if (s) html('div', {'class': 's'}, d, s);
  }
  card('Customers', int(t.customers),
       int(t.customer_orders) + ' orders by customers');
  card('Orders', int(t.orders), int(t.guest_orders) + ' guest orders');
  card('Revenue', money(t.revenue), money(t.guest_revenue) + ' from guests');
  card('Average order value', money(t.aov), 'revenue / orders');
  card('Repeat purchase rate', pct(r.repeat_purchase_rate),
       pct(r.repeat_purchase_rate_by_days) + ' on 2+ distinct days');
  card('Orders per customer', dec1.format(r.orders_per_customer),
       int(r.repeat_customers) + ' customers with 2+ orders');
  var last = null;
  data.monthly.forEach(function (m) {
    if (!m.partial && isNum(m.retention_rate)) last = m;
  });
  card('Monthly retention', last ? pct(last.retention_rate) : '\u2013',
       last ? monthLong(last.month) + ', classic CRR ' + pct(last.classic_crr)
            : 'needs two months');
  var p = data.ltv.predicted;
  card('Revenue per customer', money(data.ltv.historic.mean),
       p.available ? 'predicted next ' + p.horizon_days + ' days: ' +
                     money(p.distribution.mean) : 'mean so far');
  document.getElementById('scope-note').textContent =
      'Orders from ' + t.data_start.slice(0, 10) + ' to ' +
      t.data_end.slice(0, 10) + ', as of ' + data.as_of + '. ' +
      data.notes.join(' ');
}

function input() {
  var i = data.input, box = document.getElementById('input');
  if (!i) return;
  var rows = [['purchase file', i.purchases], ['data lines', int(i.data_lines)],
              ['purchase lines used', int(i.purchase_lines)],
              ['return lines (not purchases)', int(i.return_lines)],
              ['non-product lines (postage, fees...)',
               int(i.non_product_lines)],
              ['zero-quantity lines', int(i.zero_quantity_lines)],
              ['bad lines (skipped)', int(i.bad_lines)]];
  Object.keys(i.bad || {}).forEach(function (k) {
    rows.push(['  ' + k, int(i.bad[k].lines) + ', first: ' + i.bad[k].first]);
  });
  table(box, null, rows);
}

var rendered = 0, figs = document.querySelectorAll('figure.chart');
document.body.dataset.chartsExpected = figs.length;
[kpis, input].forEach(function (f) {
  try { f(); } catch (e) { window.onerror(String(e), '', 0); }
});
figs.forEach(function (fig) {
  try {
    var marks = charts[fig.dataset.chart](fig);
    fig.dataset.marks = marks;
    if (marks > 0 || fig.dataset.skipped) rendered++;
  } catch (e) {
    window.onerror(fig.dataset.chart + ': ' + e, '', 0);
    html('p', {'class': 'unavailable'}, fig.querySelector('.plot'),
         'This chart failed: ' + e);
  }
});
document.body.dataset.chartsRendered = rendered;
document.body.dataset.pageHeight = document.documentElement.scrollHeight;
})();
)JS";

}  // namespace

namespace {

// Static, in the order the code lists them, so they read without script.
std::string DefinitionsHtml() {
  std::string out = "<h2>Definitions</h2>\n<dl class=\"defs\">\n";
  for (const auto& [key, text] : ReportDefinitions()) {
    absl::StrAppend(&out, "<dt>", HtmlEscape(key), "</dt><dd>",
                    HtmlEscape(text), "</dd>\n");
  }
  absl::StrAppend(&out, "</dl>\n");
  return out;
}

}  // namespace

std::string JsonForScript(const nlohmann::json& value) {
  const std::string raw =
      value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size() + raw.size() / 16);
  // These characters can only occur inside JSON strings, where a \u escape
  // means the same thing.
  for (char c : raw) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderReportHtml(const nlohmann::json& report,
                             const ReportHtmlOptions& options) {
  const std::string title = HtmlEscape(options.title);
  std::string subtitle = "As of ";
  if (report.contains("as_of") && report["as_of"].is_string()) {
    subtitle += HtmlEscape(report["as_of"].get<std::string>());
  }
  if (report.contains("currency") && report["currency"].is_string() &&
      !report["currency"].get<std::string>().empty()) {
    absl::StrAppend(&subtitle, " &middot; money in ",
                    HtmlEscape(report["currency"].get<std::string>()));
  }
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<title>",
      title, "</title>\n<script>", kErrorHook, "</script>\n<style>", kStyle,
      "</style>\n</head>\n<body>\n<main>\n<header><h1>", title, "</h1><p>",
      subtitle,
      " &middot; made by <code>boomerang report</code></p></header>\n"
      "<noscript><p>The charts need JavaScript. All numbers are in the JSON "
      "embedded in this page (view the source).</p></noscript>\n",
      kBody, DefinitionsHtml(),
      "<footer>Generated by boomerang report. Self-contained: nothing is "
      "loaded from the network; the data is embedded below.</footer>\n"
      "</main>\n<script type=\"application/json\" id=\"report-data\">",
      JsonForScript(report), "</script>\n<script>", kScript,
      "</script>\n</body>\n</html>\n");
}

}  // namespace boomerang
