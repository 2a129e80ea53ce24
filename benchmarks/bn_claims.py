"""Notebook 02, sections 8 and 11: do the asserted claims hold for other seeds, and by how much?

The notebook runs seed 0; its asserts must hold for any seed, with room to spare. This prints,
for seeds 0 to 3, each claim's measured value beside the bound the notebook asserts.
Run: python3 benchmarks/bn_claims.py   (about a minute: 4 x 8 short training runs)
"""
from __future__ import annotations

import math

Row = tuple[str, str, str]
SEEDS = (0, 1, 2, 3)
LRS = (0.01, 0.1, 1.0)


def rows() -> list[Row]:
    import torch
    from torch import nn

    from resnet_teach import cifar_resnet, digits, train
    from resnet_teach.lessons import bn_training as bnt

    train_set, test_set = digits("train"), digits("test")
    images, labels = train_set.images[:256], train_set.labels[:256]
    out: list[Row] = []
    for seed in SEEDS:
        def net(with_bn: bool, seed: int = seed) -> nn.Module:
            torch.manual_seed(seed)
            norm = None if with_bn else (lambda channels: nn.Identity())
            return cifar_resnet(8, residual=False, in_channels=1, widths=(8, 16, 32), norm_layer=norm)

        bn, plain = net(True), net(False)
        s_bn, s_plain = bnt.activation_stds(bn, images), bnt.activation_stds(plain, images)
        stages = ["relu", "layer1.0", "layer2.0", "layer3.0"]
        out.append((f"seed {seed}: with BN, stage stds", str([round(s_bn[s], 3) for s in stages]),
                    "all in (0.45, 0.75)"))
        out.append((f"seed {seed}: without BN, stage stds", str([round(s_plain[s], 3) for s in stages]),
                    "decreasing"))
        out.append((f"seed {seed}: without BN, pool std / stem std",
                    f"{s_plain['avgpool'] / s_plain['relu']:.3f}", "< 0.25"))
        g_bn, g_plain = bnt.gradient_norms(bn, images, labels), bnt.gradient_norms(plain, images, labels)
        out.append((f"seed {seed}: smallest |grad| ratio with/without BN",
                    f"{min(g_bn[k] / g_plain[k] for k in g_bn):.1f}", "> 3"))
        out.append((f"seed {seed}: without BN, largest / smallest |grad|",
                    f"{max(g_plain.values()) / min(g_plain.values()):.2f}", "< 4"))
        sweep = bnt.lr_sweep(net, train_set, LRS, epochs=3, batch_size=64, optimizer="sgd", momentum=0.9,
                             schedule="constant", seed=seed)
        out.append((f"seed {seed}: sweep final losses",
                    str([round(r.final_loss, 3) for r in sweep]), "runs above 2 or nan: [3, 5]"))
        out.append((f"seed {seed}: sweep runs above 2 or nan",
                    str([i for i, r in enumerate(sweep) if bnt.failed(r)]), "[3, 5]"))
        trained = net(True)
        cosine = dict(epochs=3, batch_size=64, optimizer="sgd", lr=0.1, momentum=0.9, schedule="cosine", seed=seed)
        h_bn = train(trained, train_set, progress=False, **cosine)
        h_plain = train(net(False), train_set, progress=False, **cosine)
        out.append((f"seed {seed}: cosine run, without BN: |epoch-1 loss - ln 10|",
                    f"{abs(h_plain['train_loss'][0] - math.log(10)):.3f}", "< 0.05"))
        out.append((f"seed {seed}: cosine run, final loss without / with BN",
                    f"{h_plain['train_loss'][-1] / h_bn['train_loss'][-1]:.1f}", "> 3"))
        stats = bnt.bn_output_stats(trained, test_set.images)
        means = torch.cat([m for m, _ in stats.values()])
        stds = torch.cat([s for _, s in stats.values()])
        out.append((f"seed {seed}: trained BN outputs, std max/min, mean spread",
                    f"{(stds.max() / stds.min()).item():.2f}, {(means.max() - means.min()).item():.2f}",
                    "> 1.4, > 0.3"))
    return out


if __name__ == "__main__":
    for what, measured, goal in rows():
        print(f"{what:<58} {measured:<52} {goal}")
