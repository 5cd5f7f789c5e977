// The home page: YASGUI pointed at this service's /sparql, one tab per catalogue query (example values bound).
(function () {
  "use strict";
  var queries = JSON.parse(document.getElementById("catalogue-queries").textContent);
  var endpoint = window.location.origin + "/sparql";
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,          // always start from the catalogue, not from a stale browser store
    populateFromUrl: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    // Offline: prefix completion reads this service's prefixes (not prefix.cc), and the property and class
    // completers (which ask lov.linkeddata.es) are off.
    yasqe: { prefixCcApi: window.location.origin + "/prefixes.json", autocompleters: ["prefixes", "variables"] },
  });
  var first = Object.keys(yasgui._tabs)[0];
  var tabIds = queries.map(function (q, i) {
    var tab = yasgui.addTab(i === 0, Object.assign({}, Yasgui.Tab.getDefaults(yasgui), {
      name: q.name,
      yasqe: { value: q.query },
      requestConfig: Object.assign({}, Yasgui.Tab.getDefaults(yasgui).requestConfig, { endpoint: endpoint }),
    }));
    return tab.getId();
  });
  if (first && queries.length && yasgui.getTab(first)) { yasgui.getTab(first).close(); }
  Array.prototype.forEach.call(document.querySelectorAll("a.open-query"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      yasgui.selectTabId(tabIds[Number(link.dataset.index)]);
      document.getElementById("yasgui").scrollIntoView();
    });
  });
  // Result links to IRIs under the base open this service's page for them (the path after the base is the
  // path here), so a result row leads to the programme or organisation page even before the base resolves.
  var root = document.getElementById("yasgui");
  var base = root.dataset.base;
  // Each such link also gets the resource's label before it (skos:prefLabel in Swedish, else rdfs:label),
  // looked up in one SPARQL query per batch of new IRIs on this service's endpoint and kept for the page.
  var labels = {};
  var pending = {};
  function localise() {
    var fresh = [];
    Array.prototype.forEach.call(root.querySelectorAll(".yasr a[href]"), function (a) {
      var href = a.getAttribute("href");
      if (base && href.indexOf(base) === 0) {
        a.dataset.iri = href;
        a.setAttribute("href", "/" + href.slice(base.length));
        a.removeAttribute("target");
      }
      var iri = a.dataset.iri;
      if (!iri || a.dataset.labelled) { return; }
      if (iri in labels) { label(a, labels[iri]); } else if (!(iri in pending)) { pending[iri] = true; fresh.push(iri); }
    });
    if (fresh.length) { lookup(fresh); }
  }
  function label(a, text) {
    a.dataset.labelled = "1";
    if (!text || a.textContent.indexOf(text) >= 0) { return; }
    var span = document.createElement("span");
    span.className = "iri-label";
    span.textContent = text + " ";
    a.parentNode.insertBefore(span, a.parentNode.firstChild);  // first, so an ellipsed cell still shows it
  }
  function lookup(iris) {
    var query = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n" +
      "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" +
      "SELECT ?s (SAMPLE(?l) AS ?label) WHERE { VALUES ?s { " +
      iris.map(function (i) { return "<" + i + ">"; }).join(" ") + " }\n" +
      "  { ?s skos:prefLabel ?l FILTER(LANGMATCHES(LANG(?l), \"sv\")) } UNION " +
      "{ ?s rdfs:label ?l FILTER(LANG(?l) = \"\" || LANGMATCHES(LANG(?l), \"sv\")) } } GROUP BY ?s";
    fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
      body: query,
    }).then(function (r) { return r.ok ? r.json() : { results: { bindings: [] } }; }).then(function (data) {
      iris.forEach(function (i) { labels[i] = ""; delete pending[i]; });
      data.results.bindings.forEach(function (b) { if (b.label) { labels[b.s.value] = b.label.value; } });
      localise();
    }).catch(function () { iris.forEach(function (i) { labels[i] = ""; delete pending[i]; }); });
  }
  new MutationObserver(localise).observe(root, { childList: true, subtree: true });
  window.yasgui = yasgui;
})();
