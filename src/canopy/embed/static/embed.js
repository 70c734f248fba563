/*!
 * Canopy careers widget: an organisation's published jobs on any web page.
 *
 * Usage (no build step, no dependency):
 *
 *   <div id="canopy-jobs" data-organization="REF" data-group-by="department" data-lang="fr"></div>
 *   <script src="https://canopy.example.com/embed.js" async></script>
 *
 *   data-organization  the organisation's reference (required)
 *   data-group-by      "department" (default) or "office"
 *   data-lang          "fr" or "en" (default: the page's <html lang>, else "en")
 *
 * Several lists may share a page: give the others the attribute data-canopy-jobs instead of
 * the id. The script reads Canopy's address from its own src and fetches
 * /api/v1/embed?organization_reference=REF there (no token; any origin may). Each job links
 * to its first site (websites_urls[0].url), else to the organisation's first website.
 *
 * Styling: the list is plain HTML with classes prefixed "canopy-jobs__", and a small default
 * style that the page's own CSS overrides. While it loads the container has
 * data-state="loading", then "ready" or "error", and fires "canopy-jobs:ready" or
 * "canopy-jobs:error" (events that bubble) when it is done.
 *
 * Job fields are inserted as text only (textContent), never as HTML.
 */
(() => {
  "use strict";

  const SELECTOR = "#canopy-jobs, [data-canopy-jobs]";
  const STYLE_ID = "canopy-jobs-style";
  const LANGS = ["fr", "en"];
  const TEXT = {
    fr: {
      other: "Autres",
      empty: "Aucune offre pour le moment.",
      error: "Les offres n'ont pas pu être chargées.",
      loading: "Chargement des offres…",
    },
    en: {
      other: "Other",
      empty: "No open positions at the moment.",
      error: "The jobs could not be loaded.",
      loading: "Loading jobs…",
    },
  };
  const CSS = `
.canopy-jobs__group{margin:0 0 1.5em}
.canopy-jobs__heading{font-size:1.15em;margin:0 0 .5em}
.canopy-jobs__list{list-style:none;margin:0;padding:0}
.canopy-jobs__job{padding:.6em 0;border-bottom:1px solid rgba(127,127,127,.25)}
.canopy-jobs__name{font-weight:600}
.canopy-jobs__meta{display:block;font-size:.875em;opacity:.75;margin-top:.2em}
`;

  // Where this script came from is where Canopy is.
  const script =
    document.currentScript || document.querySelector('script[src$="/embed.js"]');
  const base = script ? new URL(".", script.src) : new URL("/", location.href);

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = String(text);
    return node;
  };

  const pick = (names, lang) =>
    names ? names[lang] || names.en || Object.values(names)[0] || "" : "";

  // Only web links: a stored URL must not become a javascript: link.
  const safeUrl = (value) => {
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch {
      return null;
    }
  };

  const jobUrl = (job, data) =>
    safeUrl(job.websites_urls?.[0]?.url) || safeUrl(data.websites?.[0]?.root_url);

  const groupOf = (job, by, text) => {
    const item = by === "office" ? job.office : job.department;
    return item ? { key: `${by}:${item.id}`, label: item.name } : { key: "", label: text.other };
  };

  const languageOf = (container) => {
    const asked = (container.dataset.lang || document.documentElement.lang || "")
      .slice(0, 2)
      .toLowerCase();
    return LANGS.includes(asked) ? asked : "en";
  };

  const jobItem = (job, data, lang) => {
    const item = el("li", "canopy-jobs__job");
    const href = jobUrl(job, data);
    const name = el(href ? "a" : "span", "canopy-jobs__name", job.name);
    if (href) {
      name.href = href;
      name.target = "_blank";
      name.rel = "noopener";
    }
    item.append(name);
    const place = job.office ? job.office.city || job.office.name : "";
    const meta = [pick(job.contract_type, lang), place, pick(job.created_at, lang)]
      .filter(Boolean)
      .join(" · ");
    item.append(el("span", "canopy-jobs__meta", meta));
    return item;
  };

  const render = (container, data, by, lang) => {
    const text = TEXT[lang];
    const groups = new Map();
    for (const job of data.jobs || []) {
      const group = groupOf(job, by, text);
      if (!groups.has(group.key)) groups.set(group.key, { label: group.label, jobs: [] });
      groups.get(group.key).jobs.push(job);
    }
    // Named groups in alphabetical order, the unnamed one last.
    const ordered = [...groups.entries()].sort(([a, x], [b, y]) =>
      a === "" ? 1 : b === "" ? -1 : x.label.localeCompare(y.label, lang),
    );
    const nodes = ordered.map(([key, group]) => {
      const section = el("section", "canopy-jobs__group");
      section.dataset.group = key || "other";
      section.append(el("h3", "canopy-jobs__heading", group.label));
      const list = el("ul", "canopy-jobs__list");
      list.append(...group.jobs.map((job) => jobItem(job, data, lang)));
      section.append(list);
      return section;
    });
    if (!nodes.length) nodes.push(el("p", "canopy-jobs__empty", text.empty));
    container.replaceChildren(...nodes);
  };

  const settle = (container, state) => {
    container.dataset.state = state;
    container.dispatchEvent(new CustomEvent(`canopy-jobs:${state}`, { bubbles: true }));
  };

  const load = async (container) => {
    const lang = languageOf(container);
    const by = container.dataset.groupBy === "office" ? "office" : "department";
    const organization = container.dataset.organization;
    container.dataset.state = "loading";
    container.setAttribute("aria-busy", "true");
    container.replaceChildren(el("p", "canopy-jobs__loading", TEXT[lang].loading));
    try {
      if (!organization) throw new Error("data-organization is missing");
      const url = new URL("api/v1/embed", base);
      url.searchParams.set("organization_reference", organization);
      const response = await fetch(url, { mode: "cors", credentials: "omit" });
      if (!response.ok) throw new Error(`Canopy answered ${response.status}`);
      render(container, await response.json(), by, lang);
      settle(container, "ready");
    } catch (error) {
      container.replaceChildren(el("p", "canopy-jobs__error", TEXT[lang].error));
      settle(container, "error");
      console.error("Canopy jobs widget:", error);
    } finally {
      container.removeAttribute("aria-busy");
    }
  };

  const start = () => {
    if (!document.getElementById(STYLE_ID)) {
      const style = el("style", null, CSS);
      style.id = STYLE_ID;
      // First in <head>: the page's own rules win over these defaults.
      document.head.prepend(style);
    }
    for (const container of document.querySelectorAll(SELECTOR)) {
      if (!container.dataset.state) load(container);
    }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start, { once: true });
  } else {
    start();
  }
})();
