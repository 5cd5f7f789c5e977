/* The review page (/harmonise): accept, reject or map a proposal with POST /harmonise/decisions, then
   reload the queue from this page (Accept: text/html) so the decided name updates or leaves the list.
   The token is kept in sessionStorage (this tab only) and sent as "Authorization: Bearer". Same origin
   only: nothing is loaded from or sent to another host. */
(function () {
  "use strict";

  var TOKEN = "insatsgraf.token";
  var BY = "insatsgraf.by";
  var NOTHING = ["none", "ingen", "-"];

  function field(id) {
    return document.getElementById(id);
  }

  function say(sv, en, kind) {
    var status = field("status");
    status.textContent = "";
    status.className = kind || "";
    status.appendChild(document.createTextNode(sv + " "));
    var english = document.createElement("span");
    english.className = "en";
    english.lang = "en";
    english.textContent = en;
    status.appendChild(english);
  }

  function kept(id, key) {
    var input = field(id);
    input.value = sessionStorage.getItem(key) || "";
    input.addEventListener("input", function () {
      var value = input.value.trim();
      if (value) {
        sessionStorage.setItem(key, value);
      } else {
        sessionStorage.removeItem(key);
      }
    });
  }

  function busy(item, on) {
    item.classList.toggle("busy", on);
    item.querySelectorAll("button, input, select").forEach(function (el) {
      el.disabled = on;
    });
  }

  async function reload() {
    var answer = await fetch(window.location.pathname + window.location.search, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
    var doc = new DOMParser().parseFromString(await answer.text(), "text/html");
    var fresh = doc.getElementById("queue");
    var queue = field("queue");
    if (fresh && queue) {
      queue.innerHTML = fresh.innerHTML;
      queue.dataset.count = fresh.dataset.count || "0";
    }
  }

  async function decide(item, body) {
    var token = field("token").value.trim();
    var by = field("by").value.trim();
    if (!token) {
      say("Klistra in en token först.", "Paste a token first.", "error");
      field("token").focus();
      return;
    }
    if (!by) {
      say("Skriv ditt namn: beslut sparas med vem som fattade dem.",
          "Enter your name: decisions record who made them.", "error");
      field("by").focus();
      return;
    }
    body.name = item.dataset.name;
    body.by = by;
    body.reason = field("reason").value.trim();
    var scope = item.querySelector("select.scope");
    if (scope && scope.value) {
      body.org = scope.value;
    }
    busy(item, true);
    var answer;
    try {
      answer = await fetch("/harmonise/decisions", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          Authorization: "Bearer " + token,
        },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch (err) {
      busy(item, false);
      say("Tjänsten svarar inte.", "The service does not answer.", "error");
      return;
    }
    var data = await answer.json().catch(function () {
      return null;
    });
    if (!answer.ok) {
      busy(item, false);
      var message = (data && data.message) || {};
      say(message.sv || "Beslutet sparades inte (HTTP " + answer.status + ").",
          message.en || "The decision was not recorded (HTTP " + answer.status + ").", "error");
      return;
    }
    var target = data.programme || "—";
    var outcome = { accepted: "godtaget", rejected: "avvisat", mapped: "kopplat" }[data.outcome] || data.outcome;
    say("Beslut sparat: '" + data.name + "' " + outcome + " → " + target + ".",
        "Decision recorded: '" + data.name + "' " + data.outcome + " → " + target + ".", "ok");
    await reload();
  }

  function onClick(event) {
    var button = event.target.closest("button.accept, button.reject");
    if (!button) {
      return;
    }
    var row = button.closest("tr.candidate");
    var item = button.closest("li.item");
    decide(item, {
      outcome: button.classList.contains("accept") ? "accepted" : "rejected",
      programme: row.dataset.programme,
      relation: row.dataset.relation || "same",
    });
  }

  function onSubmit(event) {
    var form = event.target.closest("form.map");
    if (!form) {
      return;
    }
    event.preventDefault();
    var programme = form.elements.programme.value.trim();
    decide(form.closest("li.item"), {
      outcome: "mapped",
      programme: NOTHING.indexOf(programme.toLowerCase()) >= 0 ? null : programme,
      relation: form.elements.relation.value,
    });
  }

  function init() {
    kept("token", TOKEN);
    kept("by", BY);
    field("forget").addEventListener("click", function () {
      sessionStorage.removeItem(TOKEN);
      field("token").value = "";
      say("Token glömd.", "Token forgotten.", "ok");
    });
    var queue = field("queue");
    queue.addEventListener("click", onClick);
    queue.addEventListener("submit", onSubmit);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
