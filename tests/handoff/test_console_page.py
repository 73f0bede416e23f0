"""`GET /console` serves the operator workplace with a strict CSP and versioned assets."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from handoff.console.page import STATIC, asset_names, asset_version, setup_console_page


class _PageScan(HTMLParser):
    """Collects scripts, stylesheets, inline handlers and label targets of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.styles: list[str] = []
        self.inline_handlers: list[str] = []
        self.inline_styles: list[str] = []
        self.label_targets: set[str] = set()
        self.ids: set[str] = set()
        self.controls: list[str] = []
        self.tabs: dict[str, str] = {}  # tab id -> the panel it controls
        self._in_script = False
        self.inline_script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for name, _ in attrs:
            if name.startswith("on"):
                self.inline_handlers.append(f"{tag}.{name}")
            if name == "style":
                self.inline_styles.append(tag)
        if values.get("role") == "tab":
            self.tabs[str(values.get("id"))] = str(values.get("aria-controls"))
        if tag == "script":
            self.scripts.append(values)
            self._in_script = True
        if tag == "link" and values.get("rel") == "stylesheet":
            self.styles.append(str(values.get("href")))
        if tag == "label" and values.get("for"):
            self.label_targets.add(str(values["for"]))
        if tag in ("input", "select", "textarea") and values.get("type") not in (
            "radio",
            "checkbox",
        ):
            self.controls.append(str(values.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_script_text += data.strip()


def _client() -> TestClient[web.Request, web.Application]:
    app = web.Application()
    setup_console_page(app)
    return TestClient(TestServer(app))


async def test_console_page_is_russian_and_forbids_inline_code() -> None:
    async with _client() as client, client.get("/console") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        html = await response.text()
        csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert '<html lang="ru">' in html
    assert "Пульт оператора".lower() in html.lower()
    page = _PageScan()
    page.feed(html)
    assert page.inline_handlers == []
    assert page.inline_styles == []
    assert page.inline_script_text == ""
    assert all(s.get("src") for s in page.scripts)


async def test_every_form_control_has_a_label() -> None:
    async with _client() as client, client.get("/console") as response:
        page = _PageScan()
        page.feed(await response.text())
    unlabelled = [c for c in page.controls if c not in page.label_targets]
    assert unlabelled == []


async def test_assets_are_versioned_by_content_and_served() -> None:
    version = asset_version()
    async with _client() as client:
        async with client.get("/console") as response:
            html = await response.text()
        refs = re.findall(r'(?:src|href)="(/console/static/[^"]+)"', html)
        assert sorted(refs) == sorted(
            f"/console/static/{name}?v={version}" for name in ("console.js", "console.css")
        )
        for ref in refs:
            async with client.get(ref) as asset:
                assert asset.status == 200
                assert asset.headers["X-Content-Type-Options"] == "nosniff"
                body = await asset.read()
                assert body == (STATIC / ref.split("/")[-1].split("?")[0]).read_bytes()
        for name in asset_names():
            async with client.get(f"/console/static/{name}") as module:
                assert module.status == 200, name
                if name.endswith(".js"):
                    assert "javascript" in module.content_type  # module scripts demand it
        async with client.get("/console/static/console.html") as other:
            assert other.status == 404
        async with client.get("/console/static/..%2Fconsole.py") as escape:
            assert escape.status == 404


async def test_console_with_trailing_slash_redirects_to_the_page() -> None:
    async with _client() as client, client.get("/console/", allow_redirects=False) as response:
        assert response.status == 308
        assert response.headers["Location"] == "/console"


async def test_every_tab_controls_a_panel_the_tabs_module_switches() -> None:
    async with _client() as client, client.get("/console") as response:
        page = _PageScan()
        page.feed(await response.text())
    switched = re.search(r"const TABS = \[([^\]]*)\];", (STATIC / "tabs.js").read_text("utf-8"))
    assert switched is not None
    names = re.findall(r'"([a-z]+)"', switched.group(1))
    assert page.tabs == {f"tab-{name}": f"panel-{name}" for name in names}
    assert set(page.tabs.values()) <= page.ids
    assert "tab-canned" in page.tabs, "supervisors edit the ready answers in «Шаблоны»"


async def test_ready_answers_have_an_edit_form_and_a_delete_confirmation() -> None:
    async with _client() as client, client.get("/console") as response:
        page = _PageScan()
        page.feed(await response.text())
    assert {"canned-table", "canned-new", "canned-form", "canned-delete-form"} <= page.ids
    assert {"cn-title", "cn-group", "cn-text"} <= page.label_targets
    login = (STATIC / "login.js").read_text(encoding="utf-8")
    assert "export async function loadCanned" in login, "the board refreshes the reply picker"


def test_every_module_import_is_a_served_asset() -> None:
    served = set(asset_names())
    for name in served:
        if name.endswith(".js"):
            source = (STATIC / name).read_text(encoding="utf-8")
            for target in re.findall(r'^import [^;]+ from "\./([^"]+)";', source, re.MULTILINE):
                assert target in served, f"{name} imports {target}"


def test_scripts_never_inject_markup_or_evaluate_code() -> None:
    scripts = "".join(
        (STATIC / name).read_text(encoding="utf-8")
        for name in asset_names()
        if name.endswith(".js")
    )
    assert "innerHTML" not in scripts  # every server string goes in as text
    assert "insertAdjacentHTML" not in scripts
    assert "eval(" not in scripts
    assert "new Function" not in scripts
    assert "/api/ws" in scripts
    assert "X-CSRF-Token" in scripts
