// Runs the official Node client @api.video/nodejs-client 2.6.8 against an emulator; prints JSON.
// node node268.js <node_modules folder> <emulator url>
const path = require("path");
const loaded = require(path.join(process.argv[2], "@api.video", "nodejs-client"));
const ApiVideoClient = loaded.default || loaded;
const version = require(path.join(process.argv[2], "@api.video", "nodejs-client", "package.json")).version;

const calls = require(path.join(__dirname, "calls.json"));  // shared with python147.py
const METRICS = calls.metrics, BUCKET_METRICS = calls.bucket_metrics, BREAKDOWNS = calls.breakdowns;
const from = new Date("2024-02-01T00:00:00Z"), to = new Date("2024-03-01T00:00:00Z");

async function attempt(call) {
  try {
    return {ok: await call()};
  } catch (e) {
    return {error: e.constructor.name, status: e.code, body: e.problemDetails || String(e)};
  }
}

async function pages(call, args) {
  const rows = [];
  for (let page = 1; ; page++) {
    const r = await call({...args, currentPage: page, pageSize: 3});
    rows.push(...r.data);
    if (page >= r.pagination.pagesTotal) return {rows, pages: page};
  }
}

(async () => {
  const client = new ApiVideoClient({apiKey: "production-key", baseUri: process.argv[3]});
  const a = client.analytics;
  const out = {version, metrics: {}, buckets: {}, series: {}};
  for (const [m, aggs] of Object.entries(METRICS))
    for (const g of aggs) out.metrics[`${m}/${g}`] = await attempt(async () =>
      (await a.getAggregatedMetrics({metric: m, aggregation: g, from, to})).data);
  out.uniqueView = await attempt(async () => (await a.getAggregatedMetrics(
    {metric: "view", aggregation: "count", from, to, unique: true, viewDuration: "10s"})).context.metric);
  out.filtered = await attempt(async () => (await a.getAggregatedMetrics({metric: "play", aggregation: "count", from,
    to, filterBy: {browser: ["chrome"], continent: ["EU"], deviceType: ["computer", "phone"]}})).data);
  for (const m of BUCKET_METRICS)
    for (const b of BREAKDOWNS) out.buckets[`${m}/${b}`] = await attempt(() => pages(
      (x) => a.getMetricsBreakdown(x), {metric: m, breakdown: b, from, to, sortBy: "dimensionValue", sortOrder: "asc"}));
  out.playTotal = await attempt(() => pages((x) => a.getMetricsBreakdown(x), {metric: "play-total",
    breakdown: "media-id"}));
  const hour = {from: new Date("2024-02-28T09:00:00Z"), to: new Date("2024-02-28T10:00:00Z")};
  for (const m of BUCKET_METRICS)
    for (const i of ["minute", "hour", "day"]) out.series[`${m}/${i}`] = await attempt(() => pages(
      (x) => a.getMetricsOverTime(x), {metric: m, interval: i, ...(i === "minute" ? hour : {from, to})}));
  const headers = await a.getAggregatedMetricsWithResponseHeaders({metric: "play", aggregation: "count"});
  out.rateLimit = headers.headers["x-ratelimit-limit"];
  out.errors = {
    "from too old": await attempt(() => a.getAggregatedMetrics({metric: "play", aggregation: "count",
      from: new Date("2023-01-01T00:00:00Z")})),
    undocumented: await attempt(() => a.getAggregatedMetrics({metric: "start", aggregation: "sum"})),
    "bad interval range": await attempt(() => a.getMetricsOverTime({metric: "play", interval: "minute", from, to})),
  };
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
