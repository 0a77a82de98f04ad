"""Imports the network class of a script `mnist-lab code` wrote, loads a .pth into it with
strict=True, and prints the logits of the first N MNIST test images as JSON (evaluation mode:
batch norms use their running statistics). Used by tests/pytorch_code.rs.

Usage: python3 pytorch_generated.py SCRIPT.py WEIGHTS.pth MNIST_DIR N
"""
import importlib.util
import json
import sys

import torch

script, path, mnist, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spec = importlib.util.spec_from_file_location("generated", script)
generated = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generated)  # the training loop sits under __main__: nothing runs
model = generated.CNN()
model.load_state_dict(torch.load(path, weights_only=True), strict=True)
model.eval()
images, _ = generated.mnist(mnist, "t10k")
with torch.no_grad():
    logits = model(images[:n])
print(json.dumps(logits.tolist()))
