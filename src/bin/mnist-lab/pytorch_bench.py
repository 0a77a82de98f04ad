# The same measurement as `mnist-lab bench`, in PyTorch: the network's class `CNN` (which the
# Rust side puts before this, as `mnist-lab code` writes it), batch 60, Adam, on preloaded
# tensors of real MNIST images, on the CPU or CUDA. Prints `key=value` lines for the Rust side.
import gzip, sys, time
import torch
from torch import nn

data_dir, steps, warmup, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
device = torch.device(sys.argv[5])


def idx(name, offset):
    with gzip.open(f"{data_dir}/{name}", "rb") as f:
        return torch.frombuffer(bytearray(f.read()[offset:]), dtype=torch.uint8)


images = (idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).float() / 255.0).to(device)
labels = idx("train-labels-idx1-ubyte.gz", 8).long().to(device)


torch.manual_seed(0)
model = CNN().to(device)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()


def step(i):
    x, y = images[i * 60:(i + 1) * 60], labels[i * 60:(i + 1) * 60]
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss


for i in range(warmup):
    step(i)
start = time.perf_counter()
for i in range(steps):
    loss = step((warmup + i) % 1000)
loss.item()  # waits for the device
print(f"train_images_per_sec={steps * 60 / (time.perf_counter() - start)}")

model.eval()
one = images[:1]
times = []
with torch.no_grad():
    for _ in range(runs):
        t = time.perf_counter()
        torch.softmax(model(one), 1).tolist()
        times.append(time.perf_counter() - t)
times.sort()
print(f"infer_median_ms={times[len(times) // 2] * 1000}")
print(f"threads={torch.get_num_threads()}")
print(f"device={torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU'}")
print(f"version={torch.__version__}")
