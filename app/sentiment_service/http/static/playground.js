// Sentiment playground: calls this service's own API (same origin only) and shows the answers.
// No framework and no build step. The API key, when the service asks for one, lives in this tab's
// memory and sessionStorage only, and is sent as "Authorization: Bearer".
"use strict";

const KEY_STORAGE = "sentiment-api-key";
const SAFE_CHUNK = 64;            // texts per /batch-predict call, below any sensible MAX_BATCH_TEXTS
const CHUNK_CHARS = 200000;       // characters per call, well under the default 1 MB body limit
const MAX_RETRIES_BUSY = 5;       // 429s in a row before a batch gives up
const TABLE_ROWS_SHOWN = 5000;    // the CSV always has every row
const FULL_TINT = 0.1;            // a probability moved by this much or more gets the strongest tint
const MIN_TINT = 0.05;            // words below this share of the strongest push stay untinted
// Known label names get fixed colours; any other label takes the next colour of the palette.
const LABEL_RGB = { negative: "185 28 28", positive: "21 128 61", neutral: "107 114 128" };
const PALETTE = ["29 78 216", "194 65 12", "126 34 206", "15 118 110", "161 98 7"];

const limits = { maxChars: null, maxBatch: SAFE_CHUNK, maxWords: null };
let apiKey = sessionStorage.getItem(KEY_STORAGE);
let retryAfterKey = null;
let batchRows = [];
let service = { version: "", models: [] };  // from /version and /models

const $ = (id) => document.getElementById(id);

class ApiFailure extends Error {
  constructor(status, error, retryAfter) {
    super((error && error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = error ? error.code : null;
    this.detail = error || {};
    this.retryAfter = Number(retryAfter) || 1;
  }
}

// The model picked in the header, sent with every scoring call; none while the service serves only one.
const pickedModel = () => ($("model-choice").hidden ? null : $("model-picker").value);

async function call(path, body) {
  const model = pickedModel();
  if (model) body = { ...body, model };
  const headers = { "Content-Type": "application/json" };
  if (apiKey) headers.Authorization = "Bearer " + apiKey;
  let response;
  try {
    response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body), cache: "no-store" });
  } catch (err) {
    throw new ApiFailure(0, { code: "network", message: "The service could not be reached. Is it running?" });
  }
  let data = null;
  try { data = await response.json(); } catch (err) { data = null; }
  if (response.ok) return data;
  throw new ApiFailure(response.status, data && data.error, response.headers.get("Retry-After"));
}

// The service counts characters as Unicode code points; JavaScript's length counts UTF-16 units.
const codePoints = (text) => Array.from(text).length;

const fmt = (n) => n.toLocaleString("en");
const pct = (p) => (p * 100).toFixed(1) + "%";
const signed = (x) => (x >= 0 ? "+" : "\u2212") + Math.abs(x).toFixed(3);

function labelColour(label, labels) {
  if (LABEL_RGB[label]) return LABEL_RGB[label];
  const others = labels.filter((l) => !LABEL_RGB[l]);
  return PALETTE[Math.max(0, others.indexOf(label)) % PALETTE.length];
}

// A list item with the label's colour swatch and a text (the word legend and the batch counts).
function swatchItem(label, labels, text) {
  const item = document.createElement("li");
  const swatch = document.createElement("span");
  swatch.className = "swatch";
  swatch.style.setProperty("--rgb", labelColour(label, labels));
  item.append(swatch, text);
  return item;
}

// Plain words for every failure, whichever endpoint it came from.
function explainFailure(err, text) {
  const d = err.detail;
  switch (err.code) {
    case "text_too_long":
      return text !== undefined
        ? `This text is too long: ${fmt(codePoints(text))} characters, and the service takes at most ${fmt(d.limit)}.`
        : `A line is too long: the service takes at most ${fmt(d.limit)} characters per text.`;
    case "body_too_large":
      return "That is too much text to send in one request. Try a shorter text.";
    case "batch_too_large":
      return `Too many lines in one request: the service takes at most ${fmt(d.limit)}.`;
    case "empty_text":
      return "There is nothing to score: type some text first.";
    case "overloaded":
      return `The service is busy right now. Try again in ${err.retryAfter} second${err.retryAfter === 1 ? "" : "s"}.`;
    case "not_ready":
    case "shutting_down":
    case "deadline_exceeded":
      return `The service cannot answer right now (${err.message}). Try again in ${err.retryAfter} seconds.`;
    case "unauthorized":
      return "The service needs an API key: enter it above.";
    default:
      return err.status ? `The service refused the request: ${err.message}` : err.message;
  }
}

function setStatus(id, message, isError) {
  const el = $(id);
  el.textContent = message;
  el.classList.toggle("error", Boolean(isError));
}

// ---- API key -------------------------------------------------------------------------------------

function askForKey(retry, wrongKey) {
  retryAfterKey = retry;
  $("auth").hidden = false;
  $("auth-error").textContent = wrongKey ? "That key was not accepted. Check it and try again." : "";
  $("api-key").focus();
}

// Runs an action; on 401 asks for the key and runs it again once one is given.
async function withKey(action, onError) {
  try {
    await action();
  } catch (err) {
    if (err.status === 401) {
      const hadKey = Boolean(apiKey);
      if (hadKey) { apiKey = null; sessionStorage.removeItem(KEY_STORAGE); }
      askForKey(() => withKey(action, onError), hadKey);
    }
    onError(err);
  }
}

$("auth-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = $("api-key").value.trim();
  if (!value) return;
  apiKey = value;
  sessionStorage.setItem(KEY_STORAGE, value);
  $("api-key").value = "";
  $("auth").hidden = true;
  const retry = retryAfterKey;
  retryAfterKey = null;
  if (retry) retry();
});

// ---- one text ------------------------------------------------------------------------------------

function renderBars(scores) {
  const labels = Object.keys(scores);
  const bars = $("bars");
  bars.replaceChildren();
  for (const label of labels) {
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = label;
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.setAttribute("aria-hidden", "true");
    const fill = document.createElement("span");
    fill.style.setProperty("--rgb", labelColour(label, labels));
    fill.style.width = pct(scores[label]);
    bar.append(fill);
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = pct(scores[label]);
    bars.append(name, bar, value);
  }
}

function wordSummary(word) {
  const parts = Object.entries(word.contributions).map(([label, c]) => `${label} ${signed(c)}`);
  return `${word.word}: ${parts.join(", ")}`;
}

function renderWords(text, words, labels) {
  const chars = Array.from(text); // the API's offsets count Unicode code points, as this does
  // Strength is relative to the strongest word, but never to less than FULL_TINT: when no single word
  // matters (a confident prediction that survives any one removal), every tint stays faint.
  const strongest = Math.max(FULL_TINT, ...words.map((w) => Math.max(...Object.values(w.contributions))));
  const out = $("words");
  out.replaceChildren();
  let at = 0;
  for (const word of words) {
    out.append(chars.slice(at, word.start).join(""));
    const [top, push] = Object.entries(word.contributions).reduce((a, b) => (b[1] > a[1] ? b : a));
    const mark = document.createElement("mark");
    mark.textContent = chars.slice(word.start, word.end).join("");
    mark.tabIndex = 0;
    mark.title = wordSummary(word);
    mark.setAttribute("aria-label", wordSummary(word));
    const strength = push / strongest;
    mark.dataset.label = strength >= MIN_TINT ? top : "";
    mark.dataset.contributions = JSON.stringify(word.contributions);
    if (strength >= MIN_TINT) {
      mark.style.setProperty("--rgb", labelColour(top, labels));
      mark.style.setProperty("--alpha", (0.1 + 0.5 * strength).toFixed(3));
    }
    const show = () => { $("word-detail").textContent = wordSummary(word); };
    mark.addEventListener("mouseenter", show);
    mark.addEventListener("focus", show);
    out.append(mark);
    at = word.end;
  }
  out.append(chars.slice(at).join(""));
  const legend = $("legend");
  legend.replaceChildren();
  for (const label of labels) {
    legend.append(swatchItem(label, labels, `towards ${label}`));
  }
}

// A long text (too many words to explain word by word) is shown by its sentences, each tinted by its own label,
// stronger the surer the model is of it; the document's verdict above them is the whole text's.
function renderSentences(text, sentences, labels) {
  const chars = Array.from(text); // offsets count Unicode code points, as this does
  const out = $("words");
  out.replaceChildren();
  let at = 0;
  for (const sentence of sentences) {
    out.append(chars.slice(at, sentence.start).join(""));
    const mark = document.createElement("mark");
    mark.textContent = chars.slice(sentence.start, sentence.end).join("");
    const sure = sentence.scores[sentence.label];
    const summary = `${sentence.label} ${pct(sure)}` + (sentence.polarity === undefined ? "" : `, polarity ${signed(sentence.polarity)}`);
    mark.tabIndex = 0;
    mark.title = summary;
    mark.dataset.label = sentence.label;
    mark.style.setProperty("--rgb", labelColour(sentence.label, labels));
    const chance = 1 / labels.length;
    mark.style.setProperty("--alpha", (0.1 + 0.5 * Math.max(0, (sure - chance) / (1 - chance))).toFixed(3));
    const shown = mark.textContent.length > 60 ? mark.textContent.slice(0, 60) + "…" : mark.textContent;
    const show = () => { $("word-detail").textContent = `${shown}: ${summary}`; };
    mark.addEventListener("mouseenter", show);
    mark.addEventListener("focus", show);
    out.append(mark);
    at = sentence.end;
  }
  out.append(chars.slice(at).join(""));
  const legend = $("legend");
  legend.replaceChildren();
  for (const label of labels) legend.append(swatchItem(label, labels, `${label} sentence`));
}

function showParts(kind) {
  const sentences = kind === "sentences";
  $("parts-title").textContent = sentences ? "Sentences" : "Words";
  $("parts-hint").textContent = sentences
    ? "Each sentence is tinted with its own label, stronger the surer the model is. Hover over or tab to one for its numbers."
    : "Each word is tinted with the label it pushed towards, stronger for a bigger push. Hover over or tab to a word for its numbers.";
}

function showPrediction(prediction) {
  $("label").textContent = prediction.label;
  $("confidence").textContent = `(${pct(prediction.score)}${prediction.truncated ? ", scored on its first part only" : ""})`;
  $("mixed").hidden = prediction.mixed !== true;
  renderBars(prediction.scores);
  $("single-result").hidden = false;
}

async function scoreText() {
  const text = $("text").value;
  if (!text.trim()) { setStatus("single-status", "There is nothing to score: type some text first.", true); return; }
  $("score").disabled = true;
  setStatus("single-status", "Scoring…");
  $("word-detail").textContent = "";
  await withKey(async () => {
    let note = "";
    let result;
    try {
      result = await call("/explain", { text });
    } catch (err) {
      if (err.code !== "too_many_words") throw err;
      // Too long to explain word by word, not to score: the whole text's verdict, and its sentences.
      result = { ...(await call("/predict", { text, sentences: true })), words: null };
      note = `Word colours are shown for texts of up to ${fmt(err.detail.limit)} words; this one has more, so its sentences are shown.`;
    }
    showPrediction(result);
    if (result.words) {
      showParts("words");
      renderWords(text, result.words, Object.keys(result.scores));
    } else {
      showParts("sentences");
      renderSentences(text, result.sentences, Object.keys(result.scores));
    }
    setStatus("single-status", note || "Scored.");
  }, (err) => {
    $("single-result").hidden = true;
    setStatus("single-status", explainFailure(err, text), true);
  });
  $("score").disabled = false;
}

// ---- many texts ----------------------------------------------------------------------------------

// RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks.
function parseCsv(source) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && source[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  const header = (rows[0] || []).map((h) => h.trim().toLowerCase());
  const column = header.indexOf("text");
  return column >= 0 ? rows.slice(1).map((r) => r[column] || "") : rows.map((r) => r[0] || "");
}

function csvCell(value) {
  let s = String(value);
  // A cell that starts like a formula is quoted as text, so a spreadsheet never runs it.
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function chunksOf(rows) {
  const size = Math.max(1, Math.min(limits.maxBatch, SAFE_CHUNK));
  const chunks = [];
  let current = [], chars = 0;
  for (const row of rows) {
    if (current.length && (current.length >= size || chars + row.text.length > CHUNK_CHARS)) {
      chunks.push(current); current = []; chars = 0;
    }
    current.push(row);
    chars += row.text.length;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

const sleep = (s) => new Promise((resolve) => setTimeout(resolve, s * 1000));

async function scoreChunk(chunk) {
  for (let busy = 0; ; busy++) {
    try {
      return await call("/batch-predict", { texts: chunk.map((r) => r.text) });
    } catch (err) {
      if (err.status !== 429 || busy >= MAX_RETRIES_BUSY) throw err;
      setStatus("batch-status", `The service is busy; trying again in ${err.retryAfter} s…`);
      await sleep(err.retryAfter);
    }
  }
}

async function scoreLines(texts, source) {
  const rows = texts.map((text, i) => ({ line: i + 1, text })).filter((r) => r.text.trim());
  if (!rows.length) { setStatus("batch-status", "There is nothing to score: no line holds text.", true); return; }
  for (const row of rows) {
    if (limits.maxChars && codePoints(row.text) > limits.maxChars) {
      row.error = `too long (${fmt(codePoints(row.text))} characters; the limit is ${fmt(limits.maxChars)})`;
    }
  }
  batchRows = rows;
  const todo = rows.filter((r) => !r.error);
  const chunks = chunksOf(todo);
  $("batch-score").disabled = true;
  $("batch-result").hidden = true;
  const progress = $("progress");
  progress.hidden = false;
  progress.max = Math.max(1, todo.length);
  progress.value = 0;
  let done = 0;
  await withKey(async () => {
    for (const chunk of chunks) {
      if (chunk[0].prediction) { continue; } // already scored before a key prompt interrupted
      setStatus("batch-status", `Scoring ${source}: ${fmt(done)} of ${fmt(todo.length)}…`);
      const answer = await scoreChunk(chunk);
      chunk.forEach((row, i) => { row.prediction = answer.predictions[i]; });
      done += chunk.length;
      progress.value = done;
    }
    const skipped = rows.length - todo.length;
    setStatus("batch-status", `Scored ${fmt(todo.length)} line${todo.length === 1 ? "" : "s"}` +
      (skipped ? `; ${fmt(skipped)} not scored (too long).` : "."));
    renderTable(rows);
  }, (err) => {
    setStatus("batch-status", `Stopped after ${fmt(done)} of ${fmt(todo.length)} lines. ${explainFailure(err)}`, true);
    if (done) renderTable(rows);
  });
  progress.hidden = true;
  $("batch-score").disabled = false;
}

function renderTable(rows) {
  const labels = [];
  for (const row of rows) {
    for (const label of Object.keys(row.prediction ? row.prediction.scores : {})) {
      if (!labels.includes(label)) labels.push(label);
    }
  }
  const counts = $("counts");
  counts.replaceChildren();
  for (const label of labels) {
    const count = rows.filter((r) => r.prediction && r.prediction.label === label).length;
    counts.append(swatchItem(label, labels, `${label}: ${fmt(count)}`));
  }
  const failed = rows.filter((r) => !r.prediction).length;
  if (failed) {
    const item = document.createElement("li");
    item.textContent = `not scored: ${fmt(failed)}`;
    counts.append(item);
  }
  const body = document.createDocumentFragment();
  for (const row of rows.slice(0, TABLE_ROWS_SHOWN)) {
    const tr = document.createElement("tr");
    const cells = [row.line, row.text, row.prediction ? row.prediction.label : "not scored",
      row.prediction ? row.prediction.score.toFixed(3) : (row.error || "")];
    cells.forEach((value, i) => {
      const td = document.createElement("td");
      td.textContent = value;
      if (i === 1) td.className = "text";
      if (!row.prediction && i > 1) td.classList.add("failed");
      tr.append(td);
    });
    body.append(tr);
  }
  $("table").tBodies[0].replaceChildren(body);
  $("table-caption").textContent = rows.length > TABLE_ROWS_SHOWN
    ? `First ${fmt(TABLE_ROWS_SHOWN)} of ${fmt(rows.length)} lines (the CSV has them all)`
    : `${fmt(rows.length)} line${rows.length === 1 ? "" : "s"}`;
  const header = ["line", "text", "label", "score", ...labels.map((l) => `p_${l}`)];
  const lines = [header.map(csvCell).join(",")];
  for (const row of rows) {
    const p = row.prediction;
    lines.push([row.line, row.text, p ? p.label : "", p ? p.score : "", ...labels.map((l) => (p ? p.scores[l] : ""))]
      .map(csvCell).join(","));
  }
  const link = $("download");
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv" }));
  $("batch-result").hidden = false;
}

async function readFile(file) {
  const source = await file.text();
  const texts = /\.csv$/i.test(file.name) || file.type === "text/csv" ? parseCsv(source) : source.split(/\r?\n/);
  await scoreLines(texts, file.name);
}

// ---- start-up ------------------------------------------------------------------------------------

function describeModel() {
  const model = service.models.find((m) => m.name === $("model-picker").value) || service.models[0];
  if (!model) return;
  $("model").textContent = `Model ${model.name} ${model.version} (${model.labels.join(", ")}) · service ${service.version}`;
}

function showModels(listing) {
  service.models = listing.models;
  const picker = $("model-picker");
  picker.replaceChildren(...listing.models.map((m) => {
    const option = document.createElement("option");
    option.value = m.name;
    option.textContent = `${m.name} ${m.version}`;
    option.selected = m.name === listing.default;
    return option;
  }));
  $("model-choice").hidden = listing.models.length < 2;
  describeModel();
}

async function loadLimits() {
  try {
    const [doc, version, listing] = await Promise.all([
      fetch("/openapi.json").then((r) => r.json()), fetch("/version").then((r) => r.json()),
      fetch("/models").then((r) => r.json())]);
    const schemas = doc.components.schemas;
    limits.maxChars = schemas.PredictRequest.properties.text.maxLength || null;
    limits.maxBatch = schemas.BatchPredictRequest.properties.texts.maxItems || SAFE_CHUNK;
    limits.maxWords = schemas.ExplainRequest ? schemas.ExplainRequest.properties.text["x-max-words"] : null;
    service.version = version.version;
    showModels(listing);
  } catch (err) {
    $("model").textContent = "The service did not describe itself; the limits it enforces still apply.";
  }
  updateCount();
}

function updateCount() {
  const n = codePoints($("text").value);
  $("text-count").textContent = fmt(n) + (limits.maxChars ? ` of ${fmt(limits.maxChars)}` : "");
  $("text-hint").classList.toggle("error", Boolean(limits.maxChars && n > limits.maxChars));
}

function onCtrlEnter(element, action) {
  element.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); action(); }
  });
}

$("single-form").addEventListener("submit", (event) => { event.preventDefault(); scoreText(); });
$("batch-form").addEventListener("submit", (event) => {
  event.preventDefault();
  scoreLines($("batch").value.split(/\r?\n/), "lines");
});
onCtrlEnter($("text"), scoreText);
onCtrlEnter($("batch"), () => scoreLines($("batch").value.split(/\r?\n/), "lines"));
$("text").addEventListener("input", updateCount);
$("model-picker").addEventListener("change", describeModel);
$("file").addEventListener("change", () => { if ($("file").files[0]) readFile($("file").files[0]); });

const card = $("batch-card");
card.addEventListener("dragover", (event) => { event.preventDefault(); $("drop").classList.add("over"); });
card.addEventListener("dragleave", () => $("drop").classList.remove("over"));
card.addEventListener("drop", (event) => {
  event.preventDefault();
  $("drop").classList.remove("over");
  const file = event.dataTransfer.files[0];
  if (file) readFile(file);
});

loadLimits();
