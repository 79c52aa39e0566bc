"""`make bench` for share posters: drawing one 1080×1920 PNG (target ≤ 300 ms)."""

import io
import time

from PIL import Image

from bench.timing import time_call
from leads import posters

TARGET_MS = 300


class InMemoryPicture:
    """What render_poster needs of an image field: something to open."""

    def __init__(self, data):
        self.data = data

    def __bool__(self):
        return True

    def open(self, mode="rb"):
        return io.BytesIO(self.data)


def _photo():
    # A camera-sized JPEG with detail, so that decoding and PNG compression are real work.
    image = Image.effect_mandelbrot((3000, 2000), (-2.2, -1.2, 1.0, 1.2), 80).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def run(command, repeat=30):
    cover = InMemoryPicture(_photo())
    posters.font(40)  # loaded once per process, as in a web worker

    def draw(picture):
        posters.render_poster(
            title="松江区新桥镇独栋单层厂房，层高9米，承重3吨，可环评，近G60高速出口",
            facts=[
                "厂房 · 出租 · 5000㎡",
                "新桥镇 · 松江经济开发区",
                "可环评 · 独栋 · 单层 · 行车",
            ],
            price="1.2 元/㎡/天",
            cover=picture,
            agent_name="王顾问",
            agent_phone="13912345678",
            link="https://g60.example.com/listings/123/?ref=45.0123456789abcdefghijklmnopqrstuvwxyzABCDEFG",
            site_name="G60科创走廊招商服务平台",
        )

    draw(cover)
    for label, picture in [("with a 3000×2000 cover", cover), ("without a cover", None)]:
        command.report(
            f"poster.png {label}", time_call(lambda p=picture: draw(p), repeat), target=TARGET_MS
        )
        # On a shared machine wall time includes waiting for a core; CPU time is the work.
        command.report(
            f"poster.png {label}, CPU time", cpu_time_call(lambda p=picture: draw(p), repeat)
        )


def cpu_time_call(func, repeat):
    samples = []
    for _ in range(repeat):
        started = time.process_time()
        func()
        samples.append((time.process_time() - started) * 1000)
    return samples
