// The demo product page of the HTTP side door (GET / and /demo): one
// self-contained HTML page (CSS and JS inline, no external fetches) that
// calls the JSON endpoints with fetch, as a shop's own page would, and shows
// "Frequently bought together", "Similar items" and "Upsell" for a product
// and "Picks for you" for a customer, each item with its title, price and
// the explanation sentence. Defaults come from GET /v1/demo-defaults;
// ?item=ID&customer=ID in the address picks others, and #token=T sends a
// read token when the server requires one.
//
// Measurement (issue 14), as a shop's page does it: every list is asked for
// with its placement (product_page_fbt, product_page_similar,
// product_page_upsell, home_picks) and the page's session id; once shown,
// the page records one IMPRESSION per list (RecordEvents, with the list's
// tracking.recommendation_id and the items in order), and a click on an
// item records a CLICK before showing that item. A server without
// --events-dir (or with write tokens) refuses them: the page says so in
// its footer and goes on.
//
// For tests: when a render is done, <body data-ready="N"> holds the number
// of items shown and <body data-impressions="K"> the impressions recorded
// (or "off: why"); any fetch or script error is shown on the page and set
// as <body data-error="...">.
#ifndef BOOMERANG_SERVER_HTTP_HTTP_DEMO_PAGE_H_
#define BOOMERANG_SERVER_HTTP_HTTP_DEMO_PAGE_H_

namespace boomerang {

inline constexpr char kHttpDemoPage[] = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Boomerang demo shop</title>
<link rel="icon" href="data:,">
<style>
  :root {
    --ink: #1c2430; --muted: #5f6b7a; --line: #e3e6ea; --bg: #f5f6f8;
    --accent: #0f766e; --accent-soft: #e6f3f1; --bad: #b42318;
  }
  * { box-sizing: border-box; }
  body {
    margin: 0; background: var(--bg); color: var(--ink);
    font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  }
  header {
    background: #18212c; color: #fff; padding: 14px 28px;
    display: flex; flex-wrap: wrap; align-items: center; gap: 12px 28px;
  }
  .brand { font-size: 20px; font-weight: 700; letter-spacing: .2px; }
  .brand span { font-weight: 400; color: #9fb3c8; }
  form { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin-left: auto; }
  form label { font-size: 13px; color: #c8d3df; display: flex; align-items: center; gap: 6px; }
  form input {
    width: 150px; padding: 6px 9px; border-radius: 6px; border: 1px solid #3a4756;
    background: #223040; color: #fff; font: inherit;
  }
  form button {
    padding: 7px 16px; border: 0; border-radius: 6px; background: #14a394;
    color: #fff; font: inherit; font-weight: 600; cursor: pointer;
  }
  main { max-width: 1180px; margin: 0 auto; padding: 22px 28px 40px; }
  .error {
    background: #fdecea; color: var(--bad); border: 1px solid #f5c2bc;
    border-radius: 8px; padding: 10px 14px; margin-bottom: 18px; white-space: pre-wrap;
  }
  .product {
    display: flex; gap: 22px; align-items: center; background: #fff;
    border: 1px solid var(--line); border-radius: 12px; padding: 20px; margin-bottom: 26px;
  }
  .product .thumb { width: 112px; height: 112px; font-size: 34px; }
  .product h1 { margin: 0 0 4px; font-size: 24px; }
  .product .price { font-size: 20px; font-weight: 700; color: var(--accent); }
  .meta { color: var(--muted); font-size: 13px; }
  .shelf { margin-bottom: 28px; }
  .shelf h2 { font-size: 18px; margin: 0 0 4px; }
  .shelf .sub { color: var(--muted); font-size: 13px; margin: 0 0 12px; }
  .badge {
    display: inline-block; font-size: 11px; font-weight: 600; color: #8a5a00;
    background: #fff4d6; border-radius: 4px; padding: 1px 6px; margin-left: 8px;
    vertical-align: middle;
  }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 14px; }
  .card {
    background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px;
    display: flex; flex-direction: column; gap: 8px; cursor: pointer;
    transition: box-shadow .15s, border-color .15s;
  }
  .card:hover { border-color: #b8c2cc; box-shadow: 0 3px 12px rgba(20, 30, 45, .08); }
  .card .top { display: flex; gap: 12px; align-items: center; }
  .card .thumb { width: 52px; height: 52px; font-size: 17px; flex: none; }
  .card .title { font-weight: 600; line-height: 1.3; overflow-wrap: anywhere; }
  .card .price { font-weight: 700; color: var(--accent); }
  .card .why {
    font-size: 13px; color: #34404e; background: var(--accent-soft);
    border-radius: 6px; padding: 7px 9px; overflow-wrap: anywhere;
  }
  .card .id { font-size: 12px; color: var(--muted); margin-top: auto; }
  .thumb {
    border-radius: 10px; display: flex; align-items: center; justify-content: center;
    color: #fff; font-weight: 700; text-transform: uppercase;
  }
  .empty { grid-column: 1 / -1; margin: 4px 0; color: var(--muted); font-style: italic; }
  footer { color: var(--muted); font-size: 12px; padding: 0 28px 28px; max-width: 1180px; margin: 0 auto; }
  code { font-size: 12px; background: #e9ecef; border-radius: 4px; padding: 1px 4px; }
</style>
</head>
<body>
<header>
  <div class="brand">Boomerang <span>demo shop</span></div>
  <form id="ask">
    <label>Item <input id="item" name="item" autocomplete="off" spellcheck="false"></label>
    <label>Customer <input id="customer" name="customer" autocomplete="off" spellcheck="false"></label>
    <button type="submit">Show</button>
  </form>
</header>
<main>
  <div id="error" class="error" hidden></div>
  <section id="product" class="product"><div class="meta loading">Loading&hellip;</div></section>
  <section class="shelf" id="fbt">
    <h2>Frequently bought together</h2>
    <p class="sub">Bought in the same orders as this product.</p>
    <div class="cards"></div>
  </section>
  <section class="shelf" id="similar">
    <h2>Similar items</h2>
    <p class="sub">Alternatives to this product.</p>
    <div class="cards"></div>
  </section>
  <section class="shelf" id="upsell">
    <h2>Upsell</h2>
    <p class="sub">A step up from this product.</p>
    <div class="cards"></div>
  </section>
  <section class="shelf" id="picks">
    <h2>Picks for you</h2>
    <p class="sub" id="picks-sub">For the customer above.</p>
    <div class="cards"></div>
  </section>
</main>
<footer id="footer">
  Served by boomerang-server's HTTP side door: this page calls
  <code>POST /v1/FrequentlyBoughtTogether</code>, <code>/v1/SimilarItems</code>,
  <code>/v1/Upsell</code> and <code>/v1/PersonalPicks</code> with <code>fetch</code>.<span id="measure"></span>
</footer>
<script>
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const LIMIT = 4;
  let defaults = null;

  function fail(message) {
    const box = $('error');
    box.textContent = 'Error: ' + message;
    box.hidden = false;
    document.body.dataset.error = message;
    const loading = $('product').querySelector('.loading');
    if (loading) loading.textContent = 'Nothing to show: see the error above.';
  }
  window.addEventListener('error', (e) => fail(e.message || String(e)));
  window.addEventListener('unhandledrejection', (e) =>
    fail((e.reason && e.reason.message) || String(e.reason)));

  // With token files on the server: open the page as /#token=READ_TOKEN
  // (a fragment never leaves the browser, so it is not in any server log).
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  async function getJson(url, init) {
    init = Object.assign({}, init);
    if (token) init.headers = Object.assign({Authorization: 'Bearer ' + token}, init.headers);
    const r = await fetch(url, init);
    let body;
    try {
      body = await r.json();
    } catch (e) {
      throw new Error(url + ': HTTP ' + r.status + ', not JSON');
    }
    if (!r.ok) {
      throw new Error(url + ': HTTP ' + r.status + ' ' + (body.code || '') +
                      ': ' + (body.message || '') +
                      (r.status === 401 ? ' (the server wants a read token: open this page as /#token=TOKEN)' : ''));
    }
    return body;
  }
  // The shopper's session: puts a guest in an experiment arm and ties
  // their clicks to later purchases.
  let session = sessionStorage.getItem('boomerang-session');
  if (!session) {
    session = 'demo-' + Math.random().toString(36).slice(2, 12);
    sessionStorage.setItem('boomerang-session', session);
  }
  let customerNow = '';
  // IMPRESSION and CLICK events; a refusal (no event store, a write token
  // needed) is reported, never fatal.
  async function record(events) {
    const who = customerNow ? {customer_id: customerNow} : {};
    for (const e of events) {
      Object.assign(e, who, {session_id: session, timestamp: new Date().toISOString()});
    }
    try {
      const r = await call('RecordEvents', {events: events});
      return r.accepted || 0;
    } catch (e) {
      document.body.dataset.impressions = 'off: ' + e.message;
      $('measure').textContent = ' Impressions and clicks are not recorded: ' + e.message;
      return -1;
    }
  }
  const call = (method, request) => getJson('/v1/' + method, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(request),
  });

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // A coloured square with the item's initials in place of a photo.
  function thumb(title, id) {
    const t = el('div', 'thumb');
    let h = 0;
    for (const c of String(id)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    t.style.background = 'hsl(' + (h % 360) + ', 45%, 46%)';
    // Initials of the first two words that start with a letter.
    const words = String(title || id).split(/\s+/).filter((w) => /^\p{L}/u.test(w));
    t.textContent = words.slice(0, 2).map((w) => [...w][0]).join('') || '#';
    return t;
  }
  // The server's --currency sign, from /v1/demo-defaults.
  let currency = '';
  const price = (p) => (p > 0 ? currency + p.toFixed(2) : 'price unknown');

  function card(item, tracking, position) {
    const c = el('article', 'card');
    c.dataset.itemId = item.item_id;
    c.title = 'Show ' + item.item_id;
    const top = el('div', 'top');
    top.appendChild(thumb(item.title, item.item_id));
    const name = el('div');
    name.appendChild(el('div', 'title', item.title || item.item_id));
    name.appendChild(el('div', 'price', price(item.price)));
    top.appendChild(name);
    c.appendChild(top);
    c.appendChild(el('div', 'why', item.explanation || ''));
    c.appendChild(el('div', 'id', item.item_id + (item.category ? ' \u00b7 ' + item.category : '')));
    c.addEventListener('click', async () => {
      if (tracking && tracking.recommendation_id) {
        await record([{type: 'CLICK', recommendation_id: tracking.recommendation_id,
                       item_id: item.item_id, position: position}]);
      }
      $('item').value = item.item_id;
      show().catch((e) => fail(e.message));
    });
    return c;
  }

  // Fills a shelf; returns the number of items shown.
  function shelf(id, response, emptyText) {
    const section = $(id);
    const cards = section.querySelector('.cards');
    cards.replaceChildren();
    const old = section.querySelector('h2 .badge');
    if (old) old.remove();
    const items = (response && response.items) || [];
    if (response && response.fallback) {
      section.querySelector('h2').appendChild(el('span', 'badge', 'fallback: best sellers'));
    }
    if (items.length === 0) cards.appendChild(el('p', 'empty', emptyText));
    const tracking = response && response.tracking;
    items.forEach((item, i) => cards.appendChild(card(item, tracking, i + 1)));
    section.dataset.recommendationId = (tracking && tracking.recommendation_id) || '';
    return items.length;
  }

  function product(info, itemId) {
    const p = $('product');
    p.replaceChildren();
    if (!info) {
      p.appendChild(el('div', 'meta', 'Item ' + itemId + ' is not in the serving snapshot.'));
      return;
    }
    p.appendChild(thumb(info.title, info.item_id));
    const text = el('div');
    text.appendChild(el('h1', '', info.title || info.item_id));
    text.appendChild(el('div', 'price', price(info.price)));
    // "Bought together" counts only orders of at most max_order_items
    // items (wholesale restocks are left out), which the cards' "of N" is.
    const fbtNote = info.fbt_orders !== undefined && info.fbt_orders !== info.orders
      ? ' (' + info.fbt_orders + ' of them count for \u201cbought together\u201d: orders of ' +
        'more than ' + info.max_order_items + ' items are wholesale restocks, left out)'
      : '';
    text.appendChild(el('div', 'meta', 'Item ' + info.item_id +
      (info.category ? ' \u00b7 ' + info.category : '') + ' \u00b7 ' +
      info.orders + ' orders' + fbtNote + (info.in_stock ? '' : ' \u00b7 out of stock') +
      (info.in_stock && info.stock_quantity !== undefined ? ' \u00b7 ' + info.stock_quantity + ' in stock' : '') +
      (info.recommendable === false ? ' \u00b7 not recommended in lists' : '')));
    p.appendChild(text);
  }

  async function show() {
    const itemId = $('item').value.trim();
    const customerId = $('customer').value.trim();
    delete document.body.dataset.ready;
    delete document.body.dataset.error;
    $('error').hidden = true;
    const q = new URLSearchParams({item: itemId, customer: customerId});
    history.replaceState(null, '', '?' + q.toString() + location.hash);

    const about = await getJson('/v1/demo-defaults?item_id=' + encodeURIComponent(itemId));
    currency = about.currency || '';
    customerNow = customerId;
    const who = Object.assign({session_id: session}, customerId ? {customer_id: customerId} : {});
    const [fbt, similar, upsell, picks] = await Promise.all([
      call('FrequentlyBoughtTogether', Object.assign(
          {item_ids: [itemId], limit: LIMIT, placement: 'product_page_fbt'}, who)),
      call('SimilarItems', Object.assign(
          {item_id: itemId, limit: LIMIT, placement: 'product_page_similar'}, who)),
      call('Upsell', Object.assign(
          {item_id: itemId, limit: LIMIT, placement: 'product_page_upsell'}, who)),
      // No as_of: the server's clock decides, as for every client.
      customerId ? call('PersonalPicks', {customer_id: customerId, limit: LIMIT,
                                          placement: 'home_picks', session_id: session})
                 : Promise.resolve(null),
    ]);
    product(about.item, itemId);
    let shown = 0;
    shown += shelf('fbt', fbt, 'Nothing is bought often enough with this product.');
    shown += shelf('similar', similar, 'No similar items.');
    shown += shelf('upsell', upsell, 'No pricier alternative in this category.');
    shown += shelf('picks', picks, customerId ? 'No picks for this customer.' : 'Type a customer id above.');
    $('picks-sub').textContent = customerId
      ? 'For customer ' + customerId + (picks && picks.as_of ? ', as of ' + picks.as_of.slice(0, 10) : '') + '.'
      : 'Type a customer id above.';
    $('footer').firstChild.textContent = 'Snapshot ' + about.snapshot_version +
      '. Served by boomerang-server\'s HTTP side door: this page calls ';
    // One impression per list shown (also an empty one: it counts the
    // shopper in the list's arm).
    const impressions = [fbt, similar, upsell, picks]
      .filter((r) => r && r.tracking && r.tracking.recommendation_id)
      .map((r) => ({type: 'IMPRESSION', recommendation_id: r.tracking.recommendation_id,
                    shown_item_ids: (r.items || []).map((i) => i.item_id)}));
    const recorded = await record(impressions);
    if (recorded >= 0) {
      document.body.dataset.impressions = String(impressions.length);
      $('measure').textContent = ' Impressions and clicks are recorded (see /experiments).';
    }
    document.body.dataset.ready = String(shown);
  }

  async function start() {
    defaults = await getJson('/v1/demo-defaults');
    const params = new URLSearchParams(location.search);
    $('item').value = params.get('item') || defaults.item_id;
    $('customer').value = params.has('customer') ? params.get('customer') : defaults.customer_id;
    await show();
  }

  $('ask').addEventListener('submit', (e) => {
    e.preventDefault();
    show().catch((err) => fail(err.message));
  });
  start().catch((err) => fail(err.message));
})();
</script>
</body>
</html>
)html";

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_HTTP_HTTP_DEMO_PAGE_H_
