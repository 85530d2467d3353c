#!/usr/bin/python3
"""A straightforward pandas version of the indexer's pair counting, as the
baseline for BENCHMARKS.md: read Online Retail, drop returns and non-products,
self-join order lines on the order id, count pairs, keep the top 100 per item.
Run with Debian's /usr/bin/python3 (python3-pandas)."""
import sys
import time

import pandas as pd

NON_PRODUCTS = {"POST", "DOT", "M", "m", "C2", "D", "S", "B", "BANK CHARGES",
                "AMAZONFEE", "CRUK", "PADS"}

t0 = time.time()
df = pd.read_csv(sys.argv[1], dtype={"InvoiceNo": str, "StockCode": str,
                                      "CustomerID": str})
df = df[(df.Quantity > 0) & ~df.InvoiceNo.str.startswith("C")]
df = df[~df.StockCode.isin(NON_PRODUCTS)
        & ~df.StockCode.str.startswith("gift_0001_")]
lines = df[["InvoiceNo", "StockCode"]].drop_duplicates()
size = lines.groupby("InvoiceNo").StockCode.transform("size")
lines = lines[size <= 100]  # the same cap on huge orders as the indexer
pairs = lines.merge(lines, on="InvoiceNo")
pairs = pairs[pairs.StockCode_x != pairs.StockCode_y]
counts = pairs.groupby(["StockCode_x", "StockCode_y"]).size().rename("co").reset_index()
counts = counts[counts.co >= 2]
top = counts.sort_values(["StockCode_x", "co"], ascending=[True, False]) \
            .groupby("StockCode_x").head(100)
print(f"pandas baseline: {len(lines)} order lines, {len(top)} pairs kept, "
      f"{time.time() - t0:.2f} s")
