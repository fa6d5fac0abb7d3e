# A c2d test algorithm written in the style of Ocean's published Python examples (not copied from
# them): it finds its datasets through DIDS and the DDOs under /data/ddos, opens each dataset's
# first file as data/inputs/<did>/0 relative to the image's working directory (/), trains a small
# decision tree on the rows (the last column is the label), and writes to /data/outputs the model
# (model.pkl), a plot of the data coloured by the predicted class (plot.png, or plot.txt where
# matplotlib is missing) and a summary (summary.json). Every output is deterministic: the same
# inputs give the same bytes on every backend.
import json
import os
import pickle

import pandas as pd
from sklearn.tree import DecisionTreeClassifier

OUTPUTS = "/data/outputs"


def load(did):
    with open("/data/ddos/" + did, encoding="utf-8") as f:
        ddo = json.load(f)
    name = ddo.get("metadata", {}).get("name", did)
    return name, pd.read_csv("data/inputs/" + did + "/0")


def main():
    dids = json.loads(os.environ.get("DIDS", "[]"))
    names, frames = [], []
    for did in dids:
        name, frame = load(did)
        names.append(name)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    label = data.columns[-1]
    features = data.drop(columns=[label])
    model = DecisionTreeClassifier(max_depth=3, random_state=0)
    model.fit(features, data[label])
    predicted = model.predict(features)
    with open(OUTPUTS + "/model.pkl", "wb") as f:
        pickle.dump(model, f, protocol=4)
    summary = {
        "datasets": names,
        "rows": int(len(data)),
        "features": [str(c) for c in features.columns],
        "classes": [str(c) for c in model.classes_],
        "accuracy": round(float((predicted == data[label]).mean()), 6),
    }
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        classes = {c: i for i, c in enumerate(model.classes_)}
        fig, ax = plt.subplots(figsize=(4, 3), dpi=72)
        ax.scatter(
            features.iloc[:, 0],
            features.iloc[:, 1],
            c=[classes[p] for p in predicted],
            s=12,
        )
        ax.set_xlabel(str(features.columns[0]))
        ax.set_ylabel(str(features.columns[1]))
        fig.tight_layout()
        fig.savefig(OUTPUTS + "/plot.png", metadata={"Software": None})
        summary["plot"] = "plot.png"
    except ImportError:
        with open(OUTPUTS + "/plot.txt", "w", encoding="utf-8") as f:
            for x, y, p in zip(features.iloc[:, 0], features.iloc[:, 1], predicted):
                f.write("%s %s %s\n" % (x, y, p))
        summary["plot"] = "plot.txt"
    with open(OUTPUTS + "/summary.json", "w", encoding="utf-8") as f:
        json.dump(summary, f, sort_keys=True, indent=2)
        f.write("\n")
    print("trained on %d rows of %s: accuracy %.4f" % (len(data), names, summary["accuracy"]))


if __name__ == "__main__":
    main()
