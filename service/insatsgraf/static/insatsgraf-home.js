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
  function localise() {
    Array.prototype.forEach.call(root.querySelectorAll(".yasr a[href]"), function (a) {
      var href = a.getAttribute("href");
      if (base && href.indexOf(base) === 0) {
        a.setAttribute("href", "/" + href.slice(base.length));
        a.removeAttribute("target");
      }
    });
  }
  new MutationObserver(localise).observe(root, { childList: true, subtree: true });
  window.yasgui = yasgui;
})();
