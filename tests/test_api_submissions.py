"""Submissions over HTTP: every upload form, the 422 report, 400/413/415, history, one submission, diff.

The data posted are variants of Linköping's real list (data/reference/submissions); what a test expects is
read from the file it posted (rows, names), and the store is compared byte for byte after a refusal.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import openpyxl
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from insatsgraf.api import create_app
from insatsgraf.api.deps import ServiceLimits
from insatsgraf.api.tokens import TokenRegistry
from insatsgraf.config import Settings
from insatsgraf.model import iris
from insatsgraf.sparql.embedded import OxigraphStore
from insatsgraf.submission.lists import ingest_to_turtle

SUBMISSION = Settings().domain / "submissions" / "0580-linkoping-2021.csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT = (
    "PREFIX ig: <https://w3id.org/insatsgraf/def#> SELECT (COUNT(DISTINCT ?o) AS ?n) "
    "WHERE {{ ?o a ig:Offering ; ig:offeredBy <{org}> }}"
)


def rows() -> list[dict[str, str]]:
    with SUBMISSION.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def to_csv(records: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode("utf-8")


def to_xlsx(records: list[dict[str, str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(records[0]))
    for record in records:
        sheet.append(list(record.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class Api:
    """A client for one organisation, with its token."""

    def __init__(self, client: TestClient, token: str, store: OxigraphStore):
        self.client, self.token, self.store = client, token, store

    def post(self, org: str = "0580", **kwargs: object) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return self.client.post(f"/organisations/{org}/submissions", headers=headers, **kwargs)  # type: ignore[arg-type]

    def offerings(self, org: str = "0580") -> int:
        result = self.store.query(COUNT.format(org=iris.organisation(org, self.store.base)))
        return int(result.rows[0]["n"]["value"])


@pytest.fixture
def api(fresh_store: OxigraphStore, tmp_path: Path) -> Iterator[Api]:
    registry = TokenRegistry(tmp_path / "tokens.json")
    token, _ = registry.issue("0580")
    limits = ServiceLimits(max_upload_bytes=200_000)
    with TestClient(create_app(Settings(), fresh_store, tokens=registry, limits=limits)) as client:
        yield Api(client, token, fresh_store)


def test_multipart_upload_replaces_the_current_data(api: Api) -> None:
    fewer = rows()[:5]
    r = api.post(
        files={"file": ("0580.csv", to_csv(fewer), "text/csv")}, data={"date": "2022-03-01", "by": "Anna"}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["submission"] == iris.submission("0580", "2022-03-01", api.store.base)
    assert body["offerings"] == len(fewer) and body["report"]["conforms"] is True
    assert r.headers["location"] == "/organisations/0580/submissions/2022-03-01"
    assert api.offerings() == len(fewer)
    record = api.client.get(r.headers["location"]).json()
    assert record["by"] == "Anna" and record["current"] is True and record["offerings"] == len(fewer)


def test_raw_csv_xlsx_and_turtle_bodies(api: Api) -> None:
    some = rows()[:7]
    csv_r = api.post(
        content=to_csv(some), params={"date": "2022-01-01"}, headers={"content-type": "text/csv"}
    )
    assert csv_r.status_code == 201, csv_r.text
    assert api.offerings() == 7
    xlsx_r = api.post(
        content=to_xlsx(rows()[:3]), params={"date": "2022-02-01"}, headers={"content-type": XLSX}
    )
    assert xlsx_r.status_code == 201, xlsx_r.text
    assert api.offerings() == 3
    turtle, _graph = ingest_to_turtle(to_csv(rows()), "0580", Settings(), filename="0580.csv")
    ttl_r = api.post(
        content=turtle.encode("utf-8"), params={"date": "2022-04-01"}, headers={"content-type": "text/turtle"}
    )
    assert ttl_r.status_code == 201, ttl_r.text
    assert api.offerings() == len(rows())
    dates = [h["date"] for h in api.client.get("/organisations/0580/submissions").json()]
    assert dates[-3:] == ["2022-01-01", "2022-02-01", "2022-04-01"]


def test_non_conforming_file_is_422_with_the_report_and_changes_nothing(api: Api) -> None:
    bad = rows()[:3]
    bad[1] = {**bad[1], "alder_fran": "tolv"}
    before = api.store.dump_nquads()
    r = api.post(files={"file": ("0580.csv", to_csv(bad), "text/csv")})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation-failed" and body["report"]["conforms"] is False
    violation = next(x for x in body["report"]["results"] if x["severity"] == "Violation")
    assert violation["row"] == 3 and violation["column"] == "alder_fran"
    assert "alder_fran" in body["text"] and "tolv" in body["text"]
    text = api.post(files={"file": ("0580.csv", to_csv(bad), "text/csv")}, headers={"accept": "text/plain"})
    assert text.status_code == 422 and text.headers["content-type"].startswith("text/plain")
    assert text.text == body["text"]
    assert api.store.dump_nquads() == before


def test_unreadable_file_is_400_with_the_user_error(api: Api) -> None:
    before = api.store.dump_nquads()
    r = api.post(content=b"PK\x03\x04 not really a workbook", headers={"content-type": XLSX})
    assert r.status_code == 400
    assert r.json()["message"]["en"] and r.json()["message"]["sv"] and r.json()["file"]
    assert api.store.dump_nquads() == before


def test_too_large_is_413_by_header_and_by_stream(api: Api) -> None:
    big = to_csv(rows() * 200)
    assert len(big) > 200_000
    r = api.post(content=big, headers={"content-type": "text/csv"})
    assert r.status_code == 413 and r.json()["max_bytes"] == 200_000

    def chunks() -> Iterator[bytes]:  # no Content-Length: only counting the stream can tell
        for start in range(0, len(big), 50_000):
            yield big[start : start + 50_000]

    streamed = api.post(content=chunks(), headers={"content-type": "text/csv"})
    assert streamed.status_code == 413


def test_other_media_types_are_415_and_multipart_needs_a_file(api: Api) -> None:
    assert api.post(content=b"\x89PNG", headers={"content-type": "image/png"}).status_code == 415
    r = api.post(files={"other": ("x.csv", b"insats\nA\n", "text/csv")})
    assert r.status_code == 400 and r.json()["error"] == "no-file"


def test_unknown_organisation_is_404(fresh_store: OxigraphStore, tmp_path: Path) -> None:
    registry = TokenRegistry(tmp_path / "tokens.json")
    token, _ = registry.issue("9999")
    with TestClient(create_app(Settings(), fresh_store, tokens=registry)) as client:
        r = client.post(
            "/organisations/9999/submissions",
            headers={"authorization": f"Bearer {token}"},
            files={"file": ("x.csv", to_csv(rows()[:2]), "text/csv")},
        )
        assert r.status_code == 404 and r.json()["error"] == "unknown-organisation"
        assert client.get("/organisations/9999/submissions").status_code == 404


def test_a_file_named_for_another_organisation_is_400_unless_forced(api: Api) -> None:
    before = api.offerings("0580")
    data = to_csv(rows()[:3])
    r = api.post(files={"file": ("0486-strangnas-2024.csv", data, "text/csv")})
    assert r.status_code == 400 and r.json()["error"] == "file-name-mismatch", r.text
    message = r.json()["message"]
    assert "organisation 0486" in message["en"] and "organisation 0486" in message["sv"]
    assert "force=true" in message["en"] and r.json()["file"] == "0486-strangnas-2024.csv"
    r = api.post(
        content=data, params={"filename": "0486-strangnas-2024.csv"}, headers={"content-type": "text/csv"}
    )
    assert r.status_code == 400 and api.offerings("0580") == before
    r = api.post(files={"file": ("0486-strangnas-2024.csv", data, "text/csv")}, params={"force": "true"})
    assert r.status_code == 201, r.text
    assert api.offerings("0580") == 3


def test_history_and_diff(api: Api) -> None:
    first = rows()[:6]
    second = [dict(r) for r in first[1:]]  # drop the first row, change one description
    second[0]["beskrivning"] = "Ny beskrivning / new description"
    assert (
        api.post(
            files={"file": ("a.csv", to_csv(first), "text/csv")}, data={"date": "2023-01-01"}
        ).status_code
        == 201
    )
    assert (
        api.post(
            files={"file": ("b.csv", to_csv(second), "text/csv")}, data={"date": "2023-06-01"}
        ).status_code
        == 201
    )
    history = api.client.get("/organisations/0580/submissions").json()
    assert [h["date"] for h in history][-2:] == ["2023-01-01", "2023-06-01"]
    assert [h["current"] for h in history][-2:] == [False, True]
    assert history[-1]["previous"] == history[-2]["submission"]

    d = api.client.get(
        "/organisations/0580/submissions/diff", params={"from": "2023-01-01", "to": "2023-06-01"}
    )
    assert d.status_code == 200, d.text
    body = d.json()
    assert [o["name"] for o in body["removed"]] == [first[0]["insats"]]
    assert body["added"] == []
    changed = {o["name"]: o for o in body["changed"]}
    assert list(changed) == [second[0]["insats"]]
    assert any(
        "Ny beskrivning / new description" in c["added"] for c in changed[second[0]["insats"]]["changes"]
    )
    assert api.client.get("/organisations/0580/submissions/diff").json() == body  # default: the last two
    text = api.client.get("/organisations/0580/submissions/diff", headers={"accept": "text/plain"})
    assert text.headers["content-type"].startswith("text/plain") and first[0]["insats"] in text.text
    missing = api.client.get("/organisations/0580/submissions/diff", params={"from": "1999-01-01"})
    assert missing.status_code == 404


def test_one_submission_as_record_and_as_rdf(api: Api) -> None:
    assert (
        api.post(
            files={"file": ("a.csv", to_csv(rows()[:4]), "text/csv")}, data={"date": "2023-01-01"}
        ).status_code
        == 201
    )
    url = "/organisations/0580/submissions/2023-01-01"
    assert api.client.get(url).json()["offerings"] == 4
    turtle = api.client.get(url, headers={"accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert len(graph) == len(api.store.graph(iris.submission("0580", "2023-01-01", api.store.base)))
    assert api.client.get("/organisations/0580/submissions/2001-01-01").status_code == 404
    assert api.client.get("/organisations/0580/submissions/not-a-date").status_code == 404


def test_the_ingesters_file_limit_is_also_413(
    api: Api, monkeypatch: pytest.MonkeyPatch, fresh_store: OxigraphStore, tmp_path: Path
) -> None:
    monkeypatch.setenv("INSATSGRAF_MAX_FILE_MB", "0.001")  # about 1 kB: below the service's body limit
    registry = TokenRegistry(tmp_path / "limited-tokens.json")
    token, _ = registry.issue("0580")
    with TestClient(create_app(Settings(), fresh_store, tokens=registry)) as client:  # settings read now
        r = Api(client, token, fresh_store).post(content=to_csv(rows()), headers={"content-type": "text/csv"})
    assert r.status_code == 413 and r.json()["error"] == "too-large"
