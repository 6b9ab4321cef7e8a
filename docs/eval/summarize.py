#!/usr/bin/env python3
"""Tables and paired comparisons from `iro eval` reports (eval-results.json), for the README.

Every number is computed from the per-prompt rewards the report keeps: each prompt's reward is
averaged over the seeds, and intervals are 95 % percentile bootstraps over prompts (10,000
resamples, seeded), pairs resampled together, as `iro eval` computes them. Standard library only.

    python3 docs/eval/summarize.py table docs/eval/weighted.json
    python3 docs/eval/summarize.py steps docs/eval/weighted.json
    python3 docs/eval/summarize.py steps docs/eval/weighted-240.json docs/eval/weighted-240-seeds-45-47.json
    python3 docs/eval/summarize.py bar docs/eval/weighted-240.json docs/eval/weighted-240-seeds-45-47.json
    python3 docs/eval/summarize.py means docs/eval/weighted-240.json docs/eval/weighted-240-seeds-45-47.json
    python3 docs/eval/summarize.py recipes docs/eval/weighted.json docs/eval/ablation-*.json
    python3 docs/eval/summarize.py ablation docs/eval/weighted.json docs/eval/ablation-*.json
    python3 docs/eval/summarize.py curve docs/eval/curve-75.json docs/eval/weighted.json docs/eval/defaults-3-tasks.json docs/eval/curve-300-classifier.json
"""
import json
import random
import sys

RESAMPLES = 10_000
SEED = 20261130


def load(path):
    with open(path) as f:
        return json.load(f)


def merged(paths):
    """One report from runs of the same recipe and settings at different seeds: each task's seeds are
    the union of the runs' seeds. Only the per-seed data (rewards, iterations) is merged: use the
    functions below, which compute from it, not the report's precomputed summaries."""
    reports = [load(p) for p in paths]
    if len(reports) == 1:
        return reports[0]
    def key(r):
        # The seeds differ; the bootstrap settings change no data. Everything else must agree.
        settings = {k: v for k, v in r["settings"].items() if k not in ("seeds", "bootstrapResamples", "confidenceLevel")}
        return json.dumps(settings, sort_keys=True), json.dumps(r["valueRecipe"], sort_keys=True), r.get("formatVersion")
    for p, r in zip(paths[1:], reports[1:]):
        if key(r) != key(reports[0]):
            raise SystemExit(f"{p} differs from {paths[0]} in settings or recipe other than its seeds: {key(r)} against {key(reports[0])}")
    seeds = [s for r in reports for s in r["settings"]["seeds"]]
    if len(set(seeds)) != len(seeds):
        raise SystemExit(f"the reports share seeds: {seeds}")
    tasks = [t["task"] for t in reports[0]["tasks"]]
    for p, r in zip(paths, reports):
        if [t["task"] for t in r["tasks"]] != tasks:
            raise SystemExit(f"{p} has tasks {[t['task'] for t in r['tasks']]}, not {tasks}")
    result = dict(reports[0])
    result["settings"] = dict(reports[0]["settings"], seeds=seeds)
    result["tasks"] = []
    for i, name in enumerate(tasks):
        task = dict(reports[0]["tasks"][i])
        task["seeds"] = [s for r in reports for s in r["tasks"][i]["seeds"]]
        task["methods"] = task["differences"] = None
        task["headTrainingShare"] = head_training_share(task["seeds"])
        result["tasks"].append(task)
    return result


def head_training_share(seed_runs):
    """Per iteration, the seeds' mean head-training share of the iteration's wall time, as `iro eval` reports it."""
    iterations = len(seed_runs[0]["iterations"])
    return [sum(s["iterations"][i]["trainingShare"] for s in seed_runs) / len(seed_runs) for i in range(iterations)]


def methods_of(task):
    """The methods every seed of the task measured."""
    return set.intersection(*({m["method"] for m in s["methods"]} for s in task["seeds"]))


def measured(report, *methods, field="rewards"):
    """Whether every task measured every one of `methods` at every seed, with `field` recorded."""
    return all(set(methods) <= methods_of(t) and all(field in m for s in t["seeds"] for m in s["methods"]
                                                     if m["method"] in methods) for t in report["tasks"])


def per_prompt(task, method, field="rewards"):
    """Each held-out prompt's reward under `method`, averaged over the seeds; with field
    "meanFinalRewards", the mean reward of all the method's finals instead of its pick's."""
    runs = [next(m[field] for m in s["methods"] if m["method"] == method) for s in task["seeds"]]
    return [sum(r[i] for r in runs) / len(runs) for i in range(len(runs[0]))]


def per_seed_means(task, method, field="rewards"):
    return [sum(r) / len(r) for r in per_seed_prompt(task, method, field)]


def interval(values):
    rng = random.Random(SEED)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(RESAMPLES))
    return sum(values) / n, means[int(0.025 * RESAMPLES)], means[int(0.975 * RESAMPLES) - 1]


def per_seed_prompt(task, method, field="rewards"):
    """Each seed's rewards under `method`, one list per seed, prompts in order."""
    return [next(m[field] for m in s["methods"] if m["method"] == method) for s in task["seeds"]]


# Two-sided 95 % quantiles of Student's t by degrees of freedom.
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
         11: 2.201, 12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042}


def seed_t_interval(task, a, b, field="rewards"):
    """The paired difference a - b with a 95 % t interval over the seeds' own mean differences
    (S - 1 degrees of freedom): the seeds are the units, so it counts how much training varies
    between seeds in full; with few seeds it is wide."""
    d = [p - q for p, q in zip(per_seed_means(task, a, field), per_seed_means(task, b, field))]
    n = len(d)
    mean = sum(d) / n
    if n < 2:
        return mean, float("-inf"), float("inf")
    sd = (sum((x - mean) ** 2 for x in d) / (n - 1)) ** 0.5
    t = T_975[max(k for k in T_975 if k <= n - 1)]
    return mean, mean - t * sd / n ** 0.5, mean + t * sd / n ** 0.5


def two_level_interval(task, a, b, resamples=RESAMPLES, field="rewards"):
    """The paired difference a - b with a 95 % interval that resamples the seeds too: each resample
    draws the seeds, then the prompts, with replacement, and averages a - b over both. Training a
    head is random, and this interval lets the heads vary between seeds, which the interval over
    prompts of the seed-averaged reward holds fixed. With a handful of seeds a percentile bootstrap
    over them understates their spread (by (S - 1) / S in variance, and with normal rather than t
    quantiles): see seed_t_interval for the conservative check."""
    x, y = per_seed_prompt(task, a, field), per_seed_prompt(task, b, field)
    d = [[p - q for p, q in zip(xs, ys)] for xs, ys in zip(x, y)]
    seeds, n = len(d), len(d[0])
    rng = random.Random(SEED)
    means = []
    for _ in range(resamples):
        picked = [d[rng.randrange(seeds)] for _ in range(seeds)]
        column = [sum(row[p] for row in picked) for p in range(n)]
        means.append(sum(column[rng.randrange(n)] for _ in range(n)) / (n * seeds))
    means.sort()
    estimate = sum(map(sum, d)) / (n * seeds)
    return estimate, means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def paired(task, a, b, field="rewards"):
    x, y = per_prompt(task, a, field), per_prompt(task, b, field)
    seeds = [p - q for p, q in zip(per_seed_means(task, a, field), per_seed_means(task, b, field))]
    return interval([p - q for p, q in zip(x, y)]), seeds


def fmt(estimate, lower, upper, digits=3):
    return f"{estimate:+.{digits}f} [{lower:.{digits}f}, {upper:.{digits}f}]"


def label(method):
    """The README's name of a method: IRO-3@4 is IRO-3 at W·K = 4 (W = K = 2), IRO-3@4 W=1 the W = 1, K = 4 shape."""
    if method.endswith("@4 W=1"):
        return method.replace("@4 W=1", " at W = 1, K = 4")
    return method.replace("@4", " at W·K = 4")


def table(path):
    report = load(path)
    print("| task | method | mean [95% CI] | Δ vs best-of-16 [CI] | seeds | Δ vs previous iteration [CI] | tokens/prompt |")
    print("|---|---|---|---|---|---|---|")
    for task in report["tasks"]:
        previous = {}
        for d in task["differences"]:
            if d["baseline"].startswith("IRO-"):
                previous[d["method"]] = d["difference"]
        against = {d["method"]: d for d in task["differences"] if d["baseline"] == "best-of-16"}
        for m in task["methods"]:
            name = m["method"]
            mean = m["mean"]
            row = [task["task"], label(name),
                   f"{mean['estimate']:.3f} [{mean['lower']:.3f}, {mean['upper']:.3f}]"]
            d = against.get(name)
            row.append(fmt(d["difference"]["estimate"], d["difference"]["lower"], d["difference"]["upper"]) if d else "")
            row.append(" ".join(f"{x:+.2f}" for x in d["seedDifferences"]) if d and name.startswith(("IRO-", "one-shot")) and "@" not in name else "")
            p = previous.get(name)
            row.append(fmt(p["estimate"], p["lower"], p["upper"]) if p else "")
            row.append(f"{m['tokensPerPrompt']:.0f}")
            print("| " + " | ".join(row) + " |")


def steps(*paths):
    report = merged(paths)
    print(f"seeds {report['settings']['seeds']}, {report['settings']['evaluationPrompts']} held-out prompts")
    for task in report["tasks"]:
        names = methods_of(task)
        for a, b in [("IRO-2", "IRO-1"), ("IRO-3", "IRO-2"), ("IRO-3", "IRO-1"), ("IRO-3", "one-shot V"),
                     ("IRO-3@4", "best-of-16"), ("IRO-3@4 W=1", "best-of-16"), ("IRO-3@4 W=1", "IRO-3@4")]:
            if a not in names or b not in names:
                continue
            (e, lo, hi), seeds = paired(task, a, b)
            print(f"{task['task']}: {a} - {b} {fmt(e, lo, hi)}, per seed {' '.join(f'{s:+.3f}' for s in seeds)}")
        print(f"{task['task']}: head training share per iteration "
              + " ".join(f"{x:.2f}" for x in task["headTrainingShare"]))


def bar(*paths):
    """Issue #12's bar, criterion by criterion, from one report or several of the same recipe at other seeds."""
    report = merged(paths)
    settings = report["settings"]
    print(f"recipe {report['valueRecipe']['name']}, seeds {settings['seeds']}, "
          f"{settings['evaluationPrompts']} held-out prompts, {settings['promptsPerIteration']} training prompts per iteration")
    criteria = [("IRO-2 - IRO-1 above zero", "IRO-2", "IRO-1", "above"),
                ("IRO-3 - IRO-2 above zero", "IRO-3", "IRO-2", "above"),
                ("IRO-3 - best-of-16 above zero", "IRO-3", "best-of-16", "above"),
                ("IRO-3 - one-shot V above zero", "IRO-3", "one-shot V", "above"),
                ("IRO-3 at W·K = 4 reaches best-of-16", "IRO-3@4", "best-of-16", "reaches"),
                ("IRO-3 at W = 1, K = 4 reaches best-of-16", "IRO-3@4 W=1", "best-of-16", "reaches")]
    print("Each line: the paired difference [95 % interval over prompts of the seed-averaged reward, the issue's"
          " measure]; [seeds and prompts resampled]; [t interval over the seeds' own differences]")
    for text, a, b, kind in criteria:
        verdicts(report, text, a, b, kind, "rewards")
    if measured(report, "best-of-16", "IRO-1", "IRO-2", "IRO-3", field="meanFinalRewards"):
        print("The policy's samples: the mean reward of all of a method's finals per prompt, not its pick's")
        for a, b in [("IRO-1", "best-of-16"), ("IRO-2", "IRO-1"), ("IRO-3", "IRO-2")]:
            verdicts(report, f"mean of the finals, {a} - {b} above zero", a, b, "above", "meanFinalRewards")


def verdicts(report, text, a, b, kind, field):
    """One criterion on every task: each interval and whether it meets `kind` ("above" zero, or
    "reaches": the upper end at or above zero), then the count of tasks met per interval."""
    if not measured(report, a, b, field=field):
        print(f"{text}: not measured in this report")
        return
    met = {"prompts": [], "seeds and prompts": [], "seeds (t)": []}
    for task in report["tasks"]:
        intervals = {"prompts": paired(task, a, b, field)[0],
                     "seeds and prompts": two_level_interval(task, a, b, resamples=2_000, field=field),
                     "seeds (t)": seed_t_interval(task, a, b, field)}
        cells = []
        for name, (e, lo, hi) in intervals.items():
            if (lo > 0 if kind == "above" else hi >= 0):
                met[name].append(task["task"])
            cells.append(f"[{lo:.3f}, {hi:.3f}]")
        print(f"  {task['task']}: {a} - {b} {intervals['prompts'][0]:+.3f} " + "; ".join(cells))
    print(f"{text}: " + "; ".join(f"{len(v)} of {len(report['tasks'])} tasks over {k} {v}" for k, v in met.items()))


def means(*paths):
    """A Markdown table of every method's mean reward [95 % interval over prompts] per task, from one
    report or several of the same recipe at other seeds, and IRO-t minus IRO-(t-1) [paired interval]."""
    report = merged(paths)
    print(f"seeds {report['settings']['seeds']}, {report['settings']['evaluationPrompts']} held-out prompts")
    print("| task | method | mean [95% CI] | Δ vs best-of-16 [CI] | Δ vs previous iteration [CI] |")
    print("|---|---|---|---|---|")
    for task in report["tasks"]:
        names = [m["method"] for m in task["seeds"][0]["methods"] if m["method"] in methods_of(task)]
        for name in names:
            e, lo, hi = interval(per_prompt(task, name))
            row = [task["task"], label(name), f"{e:.3f} [{lo:.3f}, {hi:.3f}]"]
            row.append(fmt(*paired(task, name, "best-of-16")[0]) if name not in ("best-of-16",) else "")
            step = ""
            if name.startswith("IRO-") and "@" not in name and name != "IRO-1":
                step = fmt(*paired(task, name, f"IRO-{int(name[4:]) - 1}")[0])
            row.append(step)
            print("| " + " | ".join(row) + " |")


def recipes(reference_path, *paths):
    """Each recipe's IRO-1 and IRO-3 means, and its IRO-3 minus the reference's, paired over prompts."""
    reference = {t["task"]: t for t in load(reference_path)["tasks"]}
    for path in (reference_path,) + paths:
        report = load(path)
        for task in report["tasks"]:
            ref = reference[task["task"]]
            means = {m["method"]: m["mean"]["estimate"] for m in task["methods"]}
            line = (f"{report['valueRecipe']['name'] if isinstance(report['valueRecipe'], dict) else report['valueRecipe']}"
                    f" {task['task']}: IRO-1 {means['IRO-1']:.3f} IRO-2 {means['IRO-2']:.3f} IRO-3 {means['IRO-3']:.3f}")
            if path != reference_path:
                x, y = per_prompt(task, "IRO-3"), per_prompt(ref, "IRO-3")
                e, lo, hi = interval([p - q for p, q in zip(x, y)])
                line += f"; IRO-3 minus the reference's {fmt(e, lo, hi)}"
            (e, lo, hi), _ = paired(task, "IRO-3", "IRO-1")
            line += f"; IRO-3 - IRO-1 {fmt(e, lo, hi)}"
            print(line)


def ablation(reference_path, *paths):
    """A Markdown table: per recipe and task, IRO-1 / IRO-3 means and IRO-3 minus the reference's."""
    reference = load(reference_path)
    tasks = [t["task"] for t in reference["tasks"]]
    by_task = {t["task"]: t for t in reference["tasks"]}
    print("| recipe | " + " | ".join(tasks) + " |")
    print("|---|" + "---|" * len(tasks))
    for path in (reference_path,) + paths:
        report = load(path)
        cells = []
        for task in report["tasks"]:
            means = {m["method"]: m["mean"]["estimate"] for m in task["methods"]}
            cell = f"{means['IRO-1']:.3f} / {means['IRO-3']:.3f}"
            if path != reference_path:
                x, y = per_prompt(task, "IRO-3"), per_prompt(by_task[task["task"]], "IRO-3")
                e, lo, hi = interval([p - q for p, q in zip(x, y)])
                cell += f" ({fmt(e, lo, hi)})"
            cells.append(cell)
        print(f"| `{report['valueRecipe']['name']}` | " + " | ".join(cells) + " |")
    cells = []
    for task in reference["tasks"]:
        means = {m["method"]: m["mean"]["estimate"] for m in task["methods"]}
        cells.append(f"{means['one-shot V']:.3f} / {means['best-of-16']:.3f}")
    print("| one-shot V / Best-of-16 (for reference) | " + " | ".join(cells) + " |")


def curve(*paths):
    """Reward against training prompts per iteration: reports that differ in --prompts-per-iteration,
    compared per task on the held-out prompts they share (the first N, N the smallest --eval-prompts; the
    held-out prompts are always the file's first N), each method's mean [95 % CI] per setting, and
    IRO-3 of each setting minus the previous setting's, paired over prompts."""
    reports = sorted((load(p) for p in paths), key=lambda r: r["settings"]["promptsPerIteration"])
    for key, value in (("seeds", lambda r: tuple(r["settings"]["seeds"])),
                       ("value recipe", lambda r: r["valueRecipe"]["name"]),
                       ("maxNewTokens", lambda r: r["settings"]["maxNewTokens"]),
                       ("chunkLength", lambda r: r["settings"]["chunkLength"]),
                       ("iterations", lambda r: r["settings"]["iterations"])):
        if len({value(r) for r in reports}) != 1:
            raise SystemExit(f"the reports differ in {key}: " + ", ".join(f"{p}: {value(load(p))}" for p in paths))
    for name in {t["task"] for r in reports for t in r["tasks"]}:
        settings = [r["settings"]["promptsPerIteration"] for r in reports if any(t["task"] == name for t in r["tasks"])]
        if len(set(settings)) != len(settings):
            raise SystemExit(f"two reports of {name} have the same prompts per iteration: {settings}")
    seeds = {tuple(r["settings"]["seeds"]) for r in reports}
    n = min(r["settings"]["evaluationPrompts"] for r in reports)
    tasks = list(dict.fromkeys(t["task"] for r in reports for t in r["tasks"]))
    print(f"held-out prompts shared: the first {n}; seeds {list(seeds.pop())}")
    print("| task | prompts per iteration | best-of-16 | one-shot V | IRO-1 | IRO-3 | IRO-3 − previous setting's IRO-3 |")
    print("|---|---|---|---|---|---|---|")
    for name in tasks:
        previous = None
        for r in reports:
            task = next((t for t in r["tasks"] if t["task"] == name), None)
            if task is None:
                continue
            cells = []
            for method in ("best-of-16", "one-shot V", "IRO-1", "IRO-3"):
                e, lo, hi = interval(per_prompt(task, method)[:n])
                cells.append(f"{e:.3f} [{lo:.3f}, {hi:.3f}]")
            iro3 = per_prompt(task, "IRO-3")[:n]
            step = ""
            if previous is not None:
                e, lo, hi = interval([p - q for p, q in zip(iro3, previous)])
                step = fmt(e, lo, hi)
            previous = iro3
            print(f"| {name} | {r['settings']['promptsPerIteration']} | " + " | ".join(cells) + f" | {step} |")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"table": table, "means": means, "steps": steps, "bar": bar, "recipes": recipes, "ablation": ablation, "curve": curve}[command](*args)
