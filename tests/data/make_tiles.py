"""Makes tests/data/tiles.pmtiles with the reference PMTiles writer (pip install pmtiles).

Tiles z0-z2 are 8x8 PNGs of one colour each: red = 60*z, green = 50*x, blue = 50*y,
so a reader's tile lookup can be checked pixel by pixel. Zooms 3-7 hold one of 256
grey tiles each, picked by a fixed pseudo-random sequence so the directory does not
compress away and the writer must split it into leaf directories.
"""
import struct
import sys
import zlib

from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer


def png(rgb, size=8):
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def main(out):
    greys = [png((g, g, g)) for g in range(256)]
    state = 12345
    tiles = []
    for z in range(0, 8):
        for x in range(2**z):
            for y in range(2**z):
                tid = zxy_to_tileid(z, x, y)
                state = (state * 1103515245 + 12345) % 2**31
                data = png((60 * z, 50 * x, 50 * y)) if z <= 2 else greys[state >> 23]
                tiles.append((tid, data))
    tiles.sort()
    with open(out, "wb") as f:
        w = Writer(f)
        for tid, data in tiles:
            w.write_tile(tid, data)
        w.finalize(
            {
                "tile_type": TileType.PNG,
                "tile_compression": Compression.NONE,
                "min_zoom": 0,
                "max_zoom": 7,
                "min_lon_e7": -1800000000,
                "min_lat_e7": -850000000,
                "max_lon_e7": 1800000000,
                "max_lat_e7": 850000000,
                "center_zoom": 0,
                "center_lon_e7": 0,
                "center_lat_e7": 0,
            },
            {"name": "parcelview test tiles"},
        )
    print(zxy_to_tileid(12, 3423, 1763))


main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/tiles.pmtiles")
