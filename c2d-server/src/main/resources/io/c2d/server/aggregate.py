# Sample algorithm, in the style of Ocean's published Python examples: units sold and revenue per
# region over every input dataset. It finds the datasets through DIDS and their DDOs under
# /data/ddos, reads each one's first file as data/inputs/<did>/0 relative to the image's working
# directory (/), and writes summary.csv and a bar chart, revenue.png, to /data/outputs.
import json
import os

import pandas as pd

dids = json.loads(os.environ.get("DIDS", "[]"))
frames = []
for did in dids:
    with open("/data/ddos/" + did, encoding="utf-8") as f:
        name = json.load(f).get("metadata", {}).get("name", did)
    print("reading %s (%s)" % (name, did))
    frames.append(pd.read_csv("data/inputs/" + did + "/0"))
sales = pd.concat(frames, ignore_index=True)
sales["revenue"] = sales["units"] * sales["unit_price"]
summary = sales.groupby("region")[["units", "revenue"]].sum().sort_index()
summary.to_csv("/data/outputs/summary.csv", float_format="%.2f")
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3), dpi=72)
    ax.bar(summary.index, summary["revenue"])
    ax.set_ylabel("revenue")
    fig.tight_layout()
    fig.savefig("/data/outputs/revenue.png", metadata={"Software": None})
except ImportError:
    print("matplotlib is missing: no chart")
print("wrote %d regions" % len(summary))
