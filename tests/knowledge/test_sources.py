"""Who published a cited page: another city or prefecture, or not a local government's general page."""
from assistant.knowledge.sources import other_local_government

OWN = "https://www.example.lg.jp/"


def test_another_city_or_prefecture_and_nothing_else():
    assert other_local_government("https://www.city.kaminoyama.yamagata.jp/soshiki/6/mnc-ri.html", OWN) == "city"
    assert other_local_government("https://www.tomioka-town.jp/soshiki/jumin/6033.html", OWN) == "city"
    assert other_local_government("https://www.city.iwaki.lg.jp/www/contents/1.html", OWN) == "city"
    assert other_local_government("https://pref.oita.jp/site/keisatu/menkyo-mynumber.html", OWN) == "prefecture"
    for url in ("https://www.example.lg.jp/a.html", "https://www.kojinbango-card.go.jp/tag/8/",
                "https://www.police.pref.saga.jp/menkyo/", "https://www.kenpo.gr.jp/x.html", "not a url"):
        assert other_local_government(url, OWN) is None, url
