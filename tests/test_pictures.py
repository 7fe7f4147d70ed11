"""Pictures: a phone photo is published at the size a phone shows it, and
printed at 200 dpi on the poster (cunwu.write.pictures); huge ones are
warned about (image-too-large).

The photo is made here (invented pixels): 6000 x 4000, a phone's sensor
turned upright by its EXIF orientation, some 10 MB.
"""

from __future__ import annotations

import io
import random

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

from cunwu.commands.validate import validate
from cunwu.problems import problem
from cunwu.write.pictures import WEB_BOX, Pictures, print_box, resize

from browser import browser, chromium_available, serve
from conftest import GOLDEN_PROJECT, build_site, copy_project

NOTICE = "villages/alpha/notices/tender.md"
PAGE = "alpha/notices/2026-10-road-tender/"


def phone_photo(w: int = 6000, h: int = 4000, orientation: int = 6) -> bytes:
    """A JPEG as a phone saves it: the sensor's landscape pixels, an EXIF
    orientation that turns it upright, noise so it compresses like a photo."""
    rnd = random.Random(9)
    img = Image.effect_mandelbrot((w // 8, h // 8), (-2.2, -1.2, 1.0, 1.2), 50).convert("RGB").resize((w, h))
    noise = Image.frombytes("RGB", (w, h), rnd.randbytes(w * h * 3))
    img = Image.blend(img, noise, 0.2)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "示例手机"  # Make: a phone's own tags are not published
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, exif=exif.tobytes())
    return buf.getvalue()


def with_photo(tmp_path, name: str, photo: bytes, **config):
    proj = copy_project(GOLDEN_PROJECT, tmp_path / name)
    (proj / "villages/alpha/attachments/photo.jpg").write_bytes(photo)
    notice = proj / NOTICE
    notice.write_text(notice.read_text("utf-8") + "\n![施工现场](attachments/photo.jpg)\n", "utf-8")
    if config:
        cfg = proj / "cunwu.yaml"
        cfg.write_text(cfg.read_text("utf-8") + "".join(f"{k}\n" for k in config.values()), "utf-8")
    return proj


@pytest.fixture(scope="module")
def photo() -> bytes:
    data = phone_photo()
    assert len(data) > 8 * 1024 * 1024  # as big as a phone's
    return data


@pytest.fixture(scope="module")
def built(tmp_path_factory, photo):
    tmp = tmp_path_factory.mktemp("pictures")
    proj = with_photo(tmp, "township", photo)
    build_site(proj, tmp / "out")
    return proj, tmp / "out" / "site"


def pdf_pictures(path) -> list[tuple[int, int, float, float]]:
    """(pixels wide, pixels high, mm wide, mm high) of every raster image drawn in a PDF."""
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        out = []
        for page in pdf:
            for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
                left, bottom, right, top = obj.get_bounds()
                w, h = obj.get_px_size()
                out.append((w, h, (right - left) / 72 * 25.4, (top - bottom) / 72 * 25.4))
        return out
    finally:
        pdf.close()


def test_web_copy_fits_a_phone_and_is_upright(built, photo):
    _proj, site = built
    data = (site / "alpha/attachments/photo.jpg").read_bytes()
    assert len(data) < 600 * 1024, len(data)  # from some 10 MB
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG"  # same format, so the same name and URL
        # the EXIF orientation applied: the upright photo is portrait, 1080 wide
        assert img.size == (WEB_BOX[0], 1620)
        assert 0x0112 not in img.getexif() and 0x010F not in img.getexif()


def test_small_pictures_are_published_as_they_are(built):
    proj, site = built
    for name in ("site.png", "receipt-0013.png"):
        assert (site / "alpha/attachments" / name).read_bytes() == (
            proj / "villages/alpha/attachments" / name
        ).read_bytes()


def test_poster_prints_the_photo_at_200_dpi_and_stays_small(built):
    _proj, site = built
    poster = site / PAGE / "poster.pdf"
    assert poster.stat().st_size < 700 * 1024, poster.stat().st_size  # it was the photo's 10 MB
    pictures = [p for p in pdf_pictures(poster) if p[0] > 100]
    assert len(pictures) == 1
    w, h, mm_w, mm_h = pictures[0]
    assert h > w  # upright
    assert mm_h == pytest.approx(90, abs=0.5)  # poster.picture_max_height
    dpi = (w / (mm_w / 25.4), h / (mm_h / 25.4))
    assert all(190 <= d <= 205 for d in dpi), dpi
    assert (w, h) == resized_size(print_box("A4"), (4000, 6000))


def resized_size(box, size):
    scale = min(box[0] / size[0], box[1] / size[1], 1)
    return round(size[0] * scale), round(size[1] * scale)


def test_keep_original_pictures(tmp_path, photo):
    proj = with_photo(tmp_path, "keep", photo, site="site:\n  keep_original_pictures: true")
    build_site(proj, tmp_path / "out")
    site = tmp_path / "out" / "site"
    assert (site / "alpha/attachments/photo.jpg").read_bytes() == photo
    assert (site / PAGE / "poster.pdf").stat().st_size < 700 * 1024  # the poster still prints a copy


def test_a_replaced_photo_renders_the_poster_again(tmp_path):
    """The poster's key holds the pictures' bytes: same name, new photo, new poster."""
    first = phone_photo(1600, 1200, orientation=1)
    proj = with_photo(tmp_path, "replace", first)
    out = tmp_path / "out"
    build_site(proj, out)
    before = (out / "site" / PAGE / "poster.pdf").read_bytes()
    # the same picture, upside down: same size, same name
    with Image.open(io.BytesIO(first)) as img:
        buf = io.BytesIO()
        img.rotate(180).save(buf, "JPEG", quality=92)
    (proj / "villages/alpha/attachments/photo.jpg").write_bytes(buf.getvalue())
    build_site(proj, out)
    assert (out / "site" / PAGE / "poster.pdf").read_bytes() != before


def test_huge_photo_is_a_warning(tmp_path, photo):
    proj = with_photo(tmp_path, "warn", photo)
    report = validate(proj, history=False)
    found = [p for p in report.problems if p.code == "image-too-large"]
    assert [(p.file, p.severity) for p in found] == [("villages/alpha/attachments/photo.jpg", "warning")]
    assert "MB，6000×4000 像素" in found[0].message and "缩到约 2000 像素宽" in found[0].message
    assert report.ok() and not report.ok(strict=True)


def test_resize_leaves_what_it_cannot_read_or_need_not_touch():
    box = (100, 100)
    assert resize(b"not a picture", box, 80) == b"not a picture"
    small = io.BytesIO()
    Image.new("RGB", (50, 40), "red").save(small, "PNG")
    assert resize(small.getvalue(), box, 80) == small.getvalue()
    # an animated GIF keeps its frames
    frames = [Image.new("P", (300, 300), i) for i in range(3)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    assert resize(gif.getvalue(), box, 80) == gif.getvalue()
    # a PNG with transparency stays a PNG with transparency
    png = io.BytesIO()
    Image.new("RGBA", (400, 200), (0, 0, 0, 0)).save(png, "PNG")
    with Image.open(io.BytesIO(resize(png.getvalue(), box, 80))) as img:
        assert (img.format, img.size, img.mode) == ("PNG", (100, 50), "RGBA")


def test_copies_are_cached_by_content(tmp_path):
    pictures = Pictures(tmp_path / "cache")
    png = io.BytesIO()
    Image.new("RGB", (3000, 1000), "blue").save(png, "PNG")
    first = pictures.web("a.png", png.getvalue())
    assert Image.open(io.BytesIO(first)).size == (1080, 360)
    cached = list((tmp_path / "cache").rglob("*"))
    assert [p for p in cached if p.is_file()]
    assert Pictures(tmp_path / "cache").web("b.png", png.getvalue()) == first
    assert Pictures(tmp_path / "cache", keep_originals=True).web("a.png", png.getvalue()) == png.getvalue()


def test_messages_quote_values_short():
    pasted = "data:image/png;base64," + "iVBORw0KGgo" * 1000
    p = problem("a.md", 3, "attachment-missing", f"附件文件 “{pasted}” 不存在")
    assert len(p.message) < 150 and "共 11,022 个字符" in p.message
    bare = problem("a.md", 3, "attachment-missing", "附件 " + pasted)
    assert len(bare.message) < 150
    # Chinese prose has no blanks and is never cut
    prose = "这是一段很长的说明" * 40
    assert problem("a.md", 3, "attachment-missing", prose).message == prose


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="needs Debian chromium (make test installs it)")
def test_phone_shows_the_web_copy_sharp_and_no_larger(built, artifacts):
    """Measured in Chromium: a 390 px phone at 3 device pixels per CSS pixel."""
    _proj, site = built
    with serve(site) as base, browser() as b:
        page = b.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=3)
        page.goto(base + PAGE)
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        shown = page.evaluate(
            "() => { const i = document.querySelector('main img[src$=\"photo.jpg\"]');"
            " return [i.getBoundingClientRect().width, i.naturalWidth, devicePixelRatio]; }"
        )
        page.screenshot(path=str(artifacts / "phone-notice-photo.png"))
        page.close()
    css_width, natural, ratio = shown
    assert css_width == pytest.approx(362, abs=2)  # the column of a 390 px phone
    # sharp (at most 1 % short of the device pixels) and not much more than they need
    assert css_width * ratio * 0.99 <= natural <= css_width * ratio * 1.05
