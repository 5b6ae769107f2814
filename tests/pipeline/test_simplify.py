from __future__ import annotations

from pipeline.simplify import to_simplified


def test_traditional_characters_become_simplified_and_the_rest_stays() -> None:
    assert to_simplified("順豐快遞太慢了") == "顺丰快递太慢了"
    assert to_simplified("蒙牛纯牛奶 Mengniu 123！") == "蒙牛纯牛奶 Mengniu 123！"
