"""The question catalog over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
import os
import shutil
import stat
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bitcode_adapters.sql.catalog import SqlQuestionCatalog
from bitcode_core.accounts.model import Role
from tests.integration.http.conftest import DEMO_BANK, Api, problem, question_body


def zipped(folder: Path, top: str | None = None) -> bytes:
    """``folder`` as a zip, under ``top/`` (no top folder when None)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                archive.write(path, f"{top}/{name}" if top else name)
    return buffer.getvalue()


def crafted(*entries: tuple[zipfile.ZipInfo | str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def special(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def upload(
    api: Api,
    headers: dict[str, str],
    data: bytes,
    name: str = "package.zip",
    **query: str,
):
    return api.post(
        "/questions/upload",
        files={"file": (name, data, "application/zip")},
        headers=headers,
        params=query,
    )


@pytest.fixture
def setter(api: Api) -> dict[str, str]:
    return api.user("sam", Role.SETTER)


@pytest.fixture
def admin(api: Api) -> dict[str, str]:
    return api.user("ada", Role.ADMIN)


@pytest.fixture
def player(api: Api) -> dict[str, str]:
    return api.user("pat")


class TestBrowse:
    def test_the_list_pages_with_a_cursor_in_id_order(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        for name in ("c-three", "a-one", "b-two"):
            api.post("/questions", json=question_body(name), headers=setter)

        first = api.get("/questions", params={"limit": 2}).json()
        second = api.get(
            "/questions", params={"limit": 2, "cursor": first["next_cursor"]}
        ).json()

        assert [q["id"] for q in first["items"]] == ["a-one", "b-two"]
        assert [q["id"] for q in second["items"]] == ["c-three"]
        assert second["next_cursor"] is None
        assert set(first["items"][0]) == {
            "id",
            "title",
            "difficulty",
            "tags",
            "version",
            "updated_at",
        }

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            pytest.param({"difficulty": "hard"}, ["hard-one"], id="difficulty"),
            pytest.param({"tag": "graphs"}, ["hard-one"], id="tag"),
            pytest.param({"q": "DIJKSTRA"}, ["hard-one"], id="text"),
            pytest.param({}, ["easy-one", "hard-one"], id="no-filter"),
        ],
    )
    def test_filters_narrow_the_list(
        self,
        api: Api,
        setter: dict[str, str],
        query: dict[str, str],
        expected: list[str],
    ) -> None:
        api.post("/questions", json=question_body("easy-one"), headers=setter)
        hard = question_body(
            "hard-one",
            difficulty="hard",
            tags=["graphs"],
            statement="Use Dijkstra.",
        )
        api.post("/questions", json=hard, headers=setter)

        response = api.get("/questions", params=query)

        assert [q["id"] for q in response.json()["items"]] == expected

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            pytest.param({"limit": "0"}, "limit", id="limit-too-small"),
            pytest.param({"limit": "101"}, "limit", id="limit-too-large"),
            pytest.param({"difficulty": "impossible"}, "difficulty", id="difficulty"),
        ],
    )
    def test_a_bad_query_is_a_validation_error_naming_the_parameter(
        self, api: Api, query: dict[str, str], field: str
    ) -> None:
        response = api.get("/questions", params=query)

        assert response.status_code == 400
        assert problem(response)["errors"][0]["field"] == field

    def test_a_forged_cursor_is_refused(self, api: Api) -> None:
        response = api.get("/questions", params={"cursor": "!!not-base64!!"})

        assert response.status_code == 422
        assert problem(response)["errors"][0]["field"] == "cursor"


class TestDetail:
    def test_anyone_sees_statement_samples_and_limits_but_not_hidden_tests(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)

        response = api.get("/questions/sum")

        assert response.status_code == 200
        body = response.json()
        assert body["samples"] == [{"name": "1", "input": "1 2\n", "answer": "3\n"}]
        assert body["limits"] == {"time_s": 1.0, "memory_mib": 256, "output_mib": 8}
        assert (body["hidden"], body["hidden_count"]) == (None, 1)
        assert (body["version"], response.headers["ETag"]) == (1, '"1"')

    @pytest.mark.parametrize(
        ("viewer", "sees_hidden"),
        [
            pytest.param("setter", True, id="its-setter"),
            pytest.param("admin", True, id="an-admin"),
            pytest.param("player", False, id="a-player"),
            pytest.param("other-setter", False, id="another-setter"),
        ],
    )
    def test_hidden_tests_show_only_to_the_setter_and_admins(
        self,
        *,
        api: Api,
        setter: dict[str, str],
        admin: dict[str, str],
        player: dict[str, str],
        viewer: str,
        sees_hidden: bool,
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)
        headers = {
            "setter": setter,
            "admin": admin,
            "player": player,
            "other-setter": api.user("sid", Role.SETTER)
            if viewer == "other-setter"
            else {},
        }[viewer]

        body = api.get("/questions/sum", headers=headers).json()

        assert (body["hidden"] is not None) is sees_hidden

    def test_head_answers_as_get_without_a_body(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)
        get = api.get("/questions/sum")

        head = api.head("/questions/sum")

        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["ETag"] == get.headers["ETag"]
        assert head.headers["Content-Length"] == str(len(get.content))

    def test_an_unknown_question_is_not_found(self, api: Api) -> None:
        response = api.get("/questions/nope")

        assert response.status_code == 404
        assert problem(response)["code"] == "question-not-found"

    def test_a_bad_token_is_refused_even_where_none_is_needed(self, api: Api) -> None:
        response = api.get("/questions/nope", headers={"Authorization": "Bearer x"})

        assert response.status_code == 401


class TestCreate:
    def test_a_setter_creates_a_question_at_version_one(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        response = api.post("/questions", json=question_body("sum"), headers=setter)

        assert response.status_code == 201
        assert response.json()["version"] == 1
        assert response.json()["hidden"][0]["answer"] == "1000001\n"

    def test_a_player_may_not_create_questions(
        self, api: Api, player: dict[str, str]
    ) -> None:
        response = api.post("/questions", json=question_body("sum"), headers=player)

        assert response.status_code == 403
        assert problem(response)["code"] == "permission-denied"

    def test_creating_needs_a_token(self, api: Api) -> None:
        assert api.post("/questions", json=question_body("sum")).status_code == 401

    def test_a_taken_id_is_a_conflict(self, api: Api, setter: dict[str, str]) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)

        response = api.post("/questions", json=question_body("sum"), headers=setter)

        assert response.status_code == 409

    @pytest.mark.parametrize(
        "change",
        [
            pytest.param({"id": "Not A Slug"}, id="bad-id"),
            pytest.param({"title": "  "}, id="blank-title"),
            pytest.param({"samples": [], "hidden": []}, id="no-tests"),
        ],
    )
    def test_a_malformed_question_is_refused(
        self, api: Api, setter: dict[str, str], change: dict[str, object]
    ) -> None:
        response = api.post(
            "/questions", json=question_body("sum", **change), headers=setter
        )

        assert response.status_code == 422
        assert problem(response)["code"] == "invalid-question"

    def test_an_id_naming_a_route_is_refused(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        response = api.post("/questions", json=question_body("upload"), headers=setter)

        assert response.status_code == 422
        assert problem(response)["errors"][0]["field"] == "id"
        assert api.get("/questions").json()["items"] == []

    def test_a_package_named_like_a_route_is_refused(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        response = upload(api, setter, zipped(DEMO_BANK / "a-plus-b"), "upload.zip")

        assert response.status_code == 422
        assert problem(response)["errors"][0]["field"] == "id"

    def test_a_limit_out_of_range_is_a_validation_error(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        body = question_body("sum", limits={"time_s": 600})

        response = api.post("/questions", json=body, headers=setter)

        assert response.status_code == 400
        assert problem(response)["errors"][0]["field"] == "limits.time_s"


class TestUpdate:
    def test_an_edit_stores_a_new_version_readers_see_at_once(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)
        assert api.get("/questions/sum").json()["title"] == "Add Two Numbers"
        assert api.get("/questions").json()["items"][0]["version"] == 1

        response = api.put(
            "/questions/sum", json=question_body("sum", title="Sum"), headers=setter
        )

        assert response.status_code == 200
        assert response.headers["ETag"] == '"2"'
        assert api.get("/questions/sum").json()["title"] == "Sum"
        assert api.get("/questions").json()["items"][0]["version"] == 2

    @pytest.mark.parametrize(
        "how",
        [
            pytest.param({"headers": {"If-Match": '"1"'}}, id="if-match"),
            pytest.param({"json": {"expected_version": 1}}, id="expected-version"),
        ],
    )
    def test_an_edit_of_a_stale_version_is_a_conflict(
        self, api: Api, setter: dict[str, str], how: dict[str, dict[str, object]]
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)
        api.put("/questions/sum", json=question_body("sum", title="V2"), headers=setter)
        body = {**question_body("sum", title="V3"), **how.get("json", {})}

        response = api.put(
            "/questions/sum",
            json=body,
            headers={**setter, **how.get("headers", {})},  # type: ignore[dict-item]
        )

        assert response.status_code == 409
        assert api.get("/questions/sum").json()["title"] == "V2"

    def test_a_malformed_if_match_is_refused(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)

        response = api.put(
            "/questions/sum",
            json=question_body("sum"),
            headers={**setter, "If-Match": "yesterday"},
        )

        assert response.status_code == 422
        assert problem(response)["errors"][0]["field"] == "If-Match"

    def test_only_its_setter_or_an_admin_edits_a_question(
        self, api: Api, setter: dict[str, str], admin: dict[str, str]
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)
        other = api.user("sid", Role.SETTER)

        refused = api.put("/questions/sum", json=question_body("sum"), headers=other)
        allowed = api.put("/questions/sum", json=question_body("sum"), headers=admin)

        assert (refused.status_code, allowed.status_code) == (403, 200)

    def test_editing_an_unknown_question_is_not_found(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        response = api.put(
            "/questions/nope", json=question_body("nope"), headers=setter
        )

        assert response.status_code == 404

    def test_an_edit_made_by_another_process_shows_after_one_conflict(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)
        assert api.get("/questions/sum").json()["version"] == 1  # now cached
        elsewhere = SqlQuestionCatalog(api.container.database())  # an import
        current = api.run(elsewhere.get, "sum")
        imported = replace(current.question, title="Imported")
        api.run(elsewhere.update, replace(current, question=imported, version=2))

        refused = api.put("/questions/sum", json=question_body("sum"), headers=setter)
        reloaded = api.get("/questions/sum", headers=setter).json()
        edit = question_body("sum", expected_version=reloaded["version"])
        retried = api.put("/questions/sum", json=edit, headers=setter)

        assert refused.status_code == 409
        assert (reloaded["version"], reloaded["title"]) == (2, "Imported")
        assert retried.status_code == 200
        assert retried.json()["version"] == 3

    def test_binary_test_data_survives_an_edit_byte_for_byte(
        self, api: Api, setter: dict[str, str], tmp_path: Path
    ) -> None:
        package = tmp_path / "binary"
        shutil.copytree(DEMO_BANK / "a-plus-b", package)
        binary = b"\xff\xfe\x00\x01 not utf-8\n"
        (package / "data" / "secret" / "01-zeros.ans").write_bytes(binary)
        upload(api, setter, zipped(package, "binary"))
        loaded = api.get("/questions/binary", headers=setter).json()
        edit = {**loaded, "title": "Renamed"}

        response = api.put("/questions/binary", json=edit, headers=setter)

        assert response.status_code == 200, response.text
        hidden = api.get("/questions/binary", headers=setter).json()["hidden"]
        assert hidden == loaded["hidden"]
        zeros = next(t for t in hidden if t["name"] == "secret/01-zeros")
        assert "answer" not in zeros
        assert base64.b64decode(zeros["answer_base64"]) == binary
        assert zeros["input"] == "0 0\n"

    @pytest.mark.parametrize(
        "case",
        [
            pytest.param({"input": "1", "input_base64": "MQ=="}, id="both"),
            pytest.param({}, id="neither"),
        ],
    )
    def test_a_test_needs_its_data_in_exactly_one_form(
        self, api: Api, setter: dict[str, str], case: dict[str, str]
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)
        hidden = [{"name": "odd", "answer": "2\n", **case}]

        response = api.put(
            "/questions/sum", json=question_body("sum", hidden=hidden), headers=setter
        )

        assert response.status_code == 422
        assert problem(response)["errors"][0]["field"] == "input"


class TestDelete:
    def test_a_deleted_question_leaves_the_catalog_at_once(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)
        assert len(api.get("/questions").json()["items"]) == 1

        response = api.delete("/questions/sum", headers=setter)

        assert response.status_code == 204
        assert api.get("/questions/sum").status_code == 404
        assert api.get("/questions").json()["items"] == []

    def test_a_player_may_not_delete(
        self, api: Api, setter: dict[str, str], player: dict[str, str]
    ) -> None:
        api.post("/questions", json=question_body("sum"), headers=setter)

        assert api.delete("/questions/sum", headers=player).status_code == 403
        assert api.get("/questions/sum").status_code == 200


class TestUpload:
    def test_a_zipped_package_becomes_a_question(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        response = upload(api, setter, zipped(DEMO_BANK / "a-plus-b", "a-plus-b"))

        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["id"], body["title"], body["difficulty"]) == (
            "a-plus-b",
            "A Plus B",
            "easy",
        )
        assert body["hidden_count"] >= 10

    def test_files_at_the_top_take_the_archives_name(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        response = upload(api, setter, zipped(DEMO_BANK / "a-plus-b"), "my-sum.zip")

        assert response.json()["id"] == "my-sum"

    def test_uploading_an_existing_id_needs_replace_and_makes_a_version(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        data = zipped(DEMO_BANK / "a-plus-b", "a-plus-b")
        upload(api, setter, data)

        refused = upload(api, setter, data)
        replaced = upload(api, setter, data, replace="true")

        assert refused.status_code == 409
        assert replaced.status_code == 201
        assert replaced.json()["version"] == 2

    def test_a_player_may_not_upload(self, api: Api, player: dict[str, str]) -> None:
        response = upload(api, player, zipped(DEMO_BANK / "a-plus-b", "a-plus-b"))

        assert response.status_code == 403

    def test_a_broken_package_is_refused_naming_the_file(
        self, api: Api, setter: dict[str, str], tmp_path: Path
    ) -> None:
        data = crafted(
            ("broken/problem.yaml", b"name: [unclosed\n"),
            ("broken/data/sample/1.in", b"1\n"),
            ("broken/data/sample/1.ans", b"1\n"),
        )

        response = upload(api, setter, data)

        assert response.status_code == 422
        detail = problem(response)["detail"]
        assert "broken/problem.yaml" in detail
        assert str(tmp_path) not in detail
        assert "bitcode-upload-" not in detail

    @pytest.mark.parametrize(
        ("archive", "words"),
        [
            pytest.param(
                lambda: crafted(("../escape.txt", b"x")), "outside", id="dot-dot"
            ),
            pytest.param(
                lambda: crafted(("/etc/evil", b"x")), "outside", id="absolute-path"
            ),
            pytest.param(
                lambda: crafted((special("p/link", stat.S_IFLNK | 0o777), b"/etc")),
                "plain files",
                id="symlink",
            ),
            pytest.param(
                lambda: crafted((special("p/dev", stat.S_IFCHR | 0o600), b"")),
                "plain files",
                id="device",
            ),
            pytest.param(
                lambda: crafted(("p/zeros.in", bytes(64 * 1024 * 1024))),
                "compresses too well",
                id="zip-bomb",
            ),
            pytest.param(
                lambda: b"not a zip at all", "not a readable zip", id="not-zip"
            ),
        ],
    )
    def test_an_unsafe_archive_is_refused_before_anything_is_written(
        self,
        api: Api,
        setter: dict[str, str],
        archive: Callable[[], bytes],
        words: str,
    ) -> None:
        response = upload(api, setter, archive())

        assert response.status_code == 400
        assert words in problem(response)["detail"]
        assert api.get("/questions").json()["items"] == []

    def test_an_oversized_upload_is_refused(
        self, api: Api, setter: dict[str, str]
    ) -> None:
        response = upload(api, setter, os.urandom(65 * 1024 * 1024 + 1))

        assert response.status_code == 413
        assert problem(response)["code"] == "payload-too-large"
