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
  window.yasgui = yasgui;
})();
