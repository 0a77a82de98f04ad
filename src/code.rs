//! A network and its training settings as a PyTorch script, in the tutorial's style: the
//! `nn.Module` (whose `state_dict` keys are the names this app's `.pth` files use, so a
//! downloaded `.pth` loads with `strict=True`), MNIST read from its IDX files, and the training
//! loop under `if __name__ == "__main__":`, so the class can be imported. Comments are in the
//! page's language. `--init`, `--sequential` and `--steps` make the script take the same steps as
//! `mnist-lab train --init … --order sequential` from the same start, for comparing the two.

use std::fmt::Write;

use crate::model::{ModelConfig, Preset};
use crate::train::TrainConfig;

/// The language of the script's comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Lang {
    #[default]
    En,
    Ru,
}

/// The comments, one set per language.
struct Words {
    title: &'static str,
    usage: &'static str,
    class: &'static str,
    block: &'static str,
    flatten: &'static str,
    hidden: &'static str,
    idx: &'static str,
    augment: &'static str,
    settings: &'static str,
    init: &'static str,
    sequential: &'static str,
    steps: &'static str,
    evaluate: &'static str,
    save: &'static str,
}

const EN: Words = Words {
    title: "A convolutional network for MNIST, written by MNIST Lab",
    usage: "Train it: python3 {file} --data FOLDER (the folder with MNIST's four .gz files)",
    class: "The network. Its layer names are the keys of the .pth files MNIST Lab writes.",
    block: "convolution block",
    flatten: "flatten each image's maps into one vector",
    hidden: "hidden layer",
    idx: "Reads an MNIST IDX file (.gz or not) into a numpy array.",
    augment: "Random rotation (up to {rot} degrees), scale (up to {scale} %) and shift (up to {shift} pixels), as MNIST Lab's augmentation",
    settings: "the run's settings",
    init: "start from these weights (a .pth) instead of random ones",
    sequential: "take the images in the files' order, without shuffling",
    steps: "stop after this many steps and print each step's loss (JSON)",
    evaluate: "accuracy on the 10,000 test images",
    save: "the weights, for MNIST Lab's \"Load\" or torch.load",
};

const RU: Words = Words {
    title: "Свёрточная сеть для MNIST, написанная MNIST Lab",
    usage: "Обучение: python3 {file} --data ПАПКА (папка с четырьмя .gz-файлами MNIST)",
    class: "Сеть. Имена её слоёв — ключи .pth-файлов, которые пишет MNIST Lab.",
    block: "свёрточный блок",
    flatten: "развернуть карты каждого изображения в один вектор",
    hidden: "скрытый слой",
    idx: "Читает IDX-файл MNIST (.gz или нет) в массив numpy.",
    augment: "Случайный поворот (до {rot} градусов), масштаб (до {scale} %) и сдвиг (до {shift} пикселей), как аугментация MNIST Lab",
    settings: "настройки обучения",
    init: "начать с этих весов (.pth), а не со случайных",
    sequential: "брать изображения в порядке файлов, без перемешивания",
    steps: "остановиться после стольких шагов и напечатать потерю каждого шага (JSON)",
    evaluate: "точность на 10 000 тестовых изображений",
    save: "веса — для «Загрузить» в MNIST Lab или torch.load",
};

/// The script's file name: `tutorial_cnn.py` for a preset, `mnist_cnn.py` otherwise.
pub fn file_name(config: &ModelConfig) -> String {
    match Preset::of(config) {
        Some(preset) => format!("{preset}_cnn.py"),
        None => "mnist_cnn.py".into(),
    }
}

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Ru => &RU,
    }
}

/// The whole script.
pub fn pytorch(config: &ModelConfig, settings: &TrainConfig, lang: Lang) -> String {
    let words = words(lang);
    let mut py = network_class(config, lang);
    py += &data(settings, words);
    py += &main(settings, words);
    py
}

/// The script's beginning: its imports and the network's class `CNN` (what `mnist-lab bench`
/// times PyTorch on).
pub fn network_class(config: &ModelConfig, lang: Lang) -> String {
    let words = words(lang);
    header(config, words) + &module(config, words)
}

fn header(config: &ModelConfig, w: &Words) -> String {
    let usage = w.usage.replace("{file}", &file_name(config));
    format!(
        r#""""{title}: {config} ({params} parameters).

{usage}
"""
import argparse
import gzip
import json
import math
import struct

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

"#,
        title = w.title,
        params = config.num_params(),
    )
}

/// The `nn.Module`: its layers in `__init__`, then `forward`.
fn module(config: &ModelConfig, w: &Words) -> String {
    let mut init = String::new();
    let mut forward = String::new();
    let mut channels = "in_channels".to_string();
    for (i, b) in config.blocks.iter().enumerate() {
        let n = i + 1;
        let bias = if b.batch_norm { ", bias=False" } else { "" };
        let _ = writeln!(
            init,
            "        self.conv{n} = nn.Conv2d(in_channels={channels}, out_channels={}, kernel_size={}, padding={}{bias})",
            b.channels,
            b.kernel,
            b.kernel / 2
        );
        let mut x = format!("self.conv{n}(x)");
        if b.batch_norm {
            let _ = writeln!(init, "        self.bn{n} = nn.BatchNorm2d({})", b.channels);
            x = format!("self.bn{n}({x})");
        }
        let _ = writeln!(forward, "        x = F.relu({x})  # {} {n}", w.block);
        if b.pool {
            let _ = writeln!(forward, "        x = self.pool(x)");
        }
        channels = b.channels.to_string();
    }
    if config.blocks.iter().any(|b| b.pool) {
        init += "        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)\n";
    }
    let _ = writeln!(
        forward,
        "        x = x.reshape(x.shape[0], -1)  # {}",
        w.flatten
    );
    let (last, side) = config.maps_out();
    let mut inputs = format!("{last} * {side} * {side}");
    for (i, h) in config.hidden.iter().enumerate() {
        let n = i + 1;
        let _ = writeln!(
            init,
            "        self.fc{n} = nn.Linear({inputs}, {})",
            h.width
        );
        let mut x = format!("F.relu(self.fc{n}(x))");
        if h.dropout > 0.0 {
            let _ = writeln!(init, "        self.dropout{n} = nn.Dropout({})", h.dropout);
            x = format!("self.dropout{n}({x})");
        }
        let _ = writeln!(forward, "        x = {x}  # {} {n}", w.hidden);
        inputs = h.width.to_string();
    }
    let out = config.hidden.len() + 1;
    let _ = writeln!(
        init,
        "        self.fc{out} = nn.Linear({inputs}, num_classes)"
    );
    let _ = writeln!(forward, "        return self.fc{out}(x)");
    format!(
        r#"
class CNN(nn.Module):
    """{class}"""

    def __init__(self, in_channels=1, num_classes=10):
        super(CNN, self).__init__()
{init}
    def forward(self, x):
{forward}
"#,
        class = w.class,
    )
}

/// Reading MNIST, and the augmentation where the run has one.
fn data(settings: &TrainConfig, w: &Words) -> String {
    let mut py = format!(
        r#"
def idx(path):
    """{idx}"""
    try:
        data = gzip.open(path + ".gz").read()
    except FileNotFoundError:
        data = open(path, "rb").read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, 28, 28)
    return np.frombuffer(data, np.uint8, offset=8)


def mnist(folder, split):
    images = idx(f"{{folder}}/{{split}}-images-idx3-ubyte")
    labels = idx(f"{{folder}}/{{split}}-labels-idx1-ubyte")
    return torch.from_numpy(images.copy()).float() / 255.0, torch.from_numpy(labels.astype(np.int64))

"#,
        idx = w.idx
    );
    if let Some(a) = &settings.augment {
        let words = w
            .augment
            .replace("{rot}", &a.max_rotation_deg.to_string())
            .replace("{scale}", &(a.max_scale * 100.0).round().to_string())
            .replace("{shift}", &a.max_shift.to_string());
        let _ = write!(
            py,
            r#"
def augment(x):
    """{words}."""
    n = x.shape[0]
    angle = (torch.rand(n) * 2 - 1) * math.radians({rot})
    scale = 1 + (torch.rand(n) * 2 - 1) * {scale}
    shift = (torch.rand(n, 2) * 2 - 1) * {shift} * 2 / 28
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False)

"#,
            rot = a.max_rotation_deg,
            scale = a.max_scale,
            shift = a.max_shift,
        );
    }
    py
}

/// The training loop, with the run's settings.
fn main(settings: &TrainConfig, w: &Words) -> String {
    let augment = if settings.augment.is_some() {
        "x = augment(x)\n            "
    } else {
        ""
    };
    format!(
        r#"
if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="mnist")
    parser.add_argument("--init", help="{init}")
    parser.add_argument("--sequential", action="store_true", help="{sequential}")
    parser.add_argument("--steps", type=int, help="{steps}")
    parser.add_argument("--out", default="model.pth")
    args = parser.parse_args()

    # {settings}
    EPOCHS, BATCH_SIZE, LEARNING_RATE, SEED = {epochs}, {batch}, {lr}, {seed}
    torch.manual_seed(SEED)
    x_train, y_train = mnist(args.data, "train")
    x_test, y_test = mnist(args.data, "t10k")
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=BATCH_SIZE, shuffle=not args.sequential)
    model = CNN(1, 10)
    if args.init:
        model.load_state_dict(torch.load(args.init), strict=True)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE)
    losses = []
    for epoch in range(EPOCHS):
        model.train()
        for x, y in loader:
            {augment}loss = criterion(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if args.steps and len(losses) == args.steps:
                print(json.dumps(losses))
                raise SystemExit
        model.eval()
        with torch.no_grad():  # {evaluate}
            accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
        print(f"epoch {{epoch + 1}}: loss {{losses[-1]:.4f}}, test accuracy {{accuracy:.4f}}")
    torch.save(model.state_dict(), args.out)  # {save}
"#,
        init = w.init,
        sequential = w.sequential,
        steps = w.steps,
        settings = w.settings,
        evaluate = w.evaluate,
        save = w.save,
        epochs = settings.epochs,
        batch = settings.batch_size,
        lr = settings.learning_rate,
        seed = settings.seed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tutorial_is_written_as_the_tutorial_writes_it() {
        let py = pytorch(
            &Preset::Tutorial.config(),
            &TrainConfig::default(),
            Lang::En,
        );
        for line in [
            "self.conv1 = nn.Conv2d(in_channels=in_channels, out_channels=8, kernel_size=3, padding=1)",
            "self.conv2 = nn.Conv2d(in_channels=8, out_channels=16, kernel_size=3, padding=1)",
            "self.pool = nn.MaxPool2d(kernel_size=2, stride=2)",
            "self.fc1 = nn.Linear(16 * 7 * 7, num_classes)",
            "return self.fc1(x)",
            "EPOCHS, BATCH_SIZE, LEARNING_RATE, SEED = 10, 60, 0.001, 0",
            "if __name__ == \"__main__\":",
        ] {
            assert!(py.contains(line), "{line}\n{py}");
        }
        assert!(!py.contains("def augment"));
        assert!(!py.contains("BatchNorm"));
    }

    #[test]
    fn every_layer_and_setting_is_written_in_the_chosen_language() {
        let config: ModelConfig = "c16k5bp c32 f64d0.5 f32".parse().unwrap();
        let settings = TrainConfig {
            augment: Some(Default::default()),
            ..TrainConfig::default()
        };
        let py = pytorch(&config, &settings, Lang::Ru);
        for line in [
            "self.conv1 = nn.Conv2d(in_channels=in_channels, out_channels=16, kernel_size=5, padding=2, bias=False)",
            "self.bn1 = nn.BatchNorm2d(16)",
            "x = F.relu(self.bn1(self.conv1(x)))",
            "self.fc1 = nn.Linear(32 * 14 * 14, 64)",
            "self.dropout1 = nn.Dropout(0.5)",
            "self.fc3 = nn.Linear(32, num_classes)",
            "x = augment(x)",
            "свёрточный блок 1",
        ] {
            assert!(py.contains(line), "{line}\n{py}");
        }
        assert_eq!(file_name(&config), "mnist_cnn.py");
    }
}
