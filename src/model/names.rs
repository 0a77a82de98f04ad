//! The names a model's layers have in files: PyTorch's, as the generated `nn.Module` names them
//! (`conv1`, `bn1`, … for the blocks, `fc1`, … for the fully connected layers, the output
//! last), so the tutorial's `state_dict` keys (`conv1`, `conv2`, `fc1`) stay what they are. The
//! model's own fields (`blocks.0.conv`, …) are burn's paths to the same layers.

use super::ModelConfig;

/// Each layer's path in the model and its name in files.
pub fn layers(config: &ModelConfig) -> Vec<(String, String)> {
    let mut layers = vec![];
    for (i, block) in config.blocks.iter().enumerate() {
        layers.push((format!("blocks.{i}.conv"), format!("conv{}", i + 1)));
        if block.batch_norm {
            layers.push((format!("blocks.{i}.norm"), format!("bn{}", i + 1)));
        }
    }
    for i in 0..config.hidden.len() {
        layers.push((format!("hidden.{i}.linear"), format!("fc{}", i + 1)));
    }
    layers.push(("output".into(), format!("fc{}", config.hidden.len() + 1)));
    layers
}

/// `name` (`layer.tensor`) with its layer renamed by `rename`, or as it is.
fn rename(name: &str, rename: impl Fn(&str) -> Option<String>) -> String {
    match name.rsplit_once('.') {
        Some((layer, tensor)) => match rename(layer) {
            Some(layer) => format!("{layer}.{tensor}"),
            None => name.to_string(),
        },
        None => name.to_string(),
    }
}

/// A model path's name in files.
pub fn to_file(config: &ModelConfig, path: &str) -> String {
    let layers = layers(config);
    rename(path, |layer| {
        layers
            .iter()
            .find(|(p, _)| p == layer)
            .map(|(_, f)| f.clone())
    })
}

/// A file's tensor names as the model's paths. Files from before architectures were editable
/// named the one hidden layer `hidden` and the output `fc1`.
pub fn to_model(config: &ModelConfig, names: &[String]) -> Vec<String> {
    let layers = layers(config);
    let old = names.iter().any(|n| n.starts_with("hidden."));
    names
        .iter()
        .map(|name| {
            rename(name, |layer| {
                let layer = match (old, layer) {
                    (true, "hidden") => "fc1",
                    (true, "fc1") => "fc2",
                    _ => layer,
                };
                layers
                    .iter()
                    .find(|(_, f)| f == layer)
                    .map(|(p, _)| p.clone())
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Preset;

    #[test]
    fn files_use_pytorch_names_and_old_files_still_fit() {
        let wide = Preset::Wide.config();
        assert_eq!(to_file(&wide, "blocks.1.conv.weight"), "conv2.weight");
        assert_eq!(to_file(&wide, "hidden.0.linear.bias"), "fc1.bias");
        assert_eq!(to_file(&wide, "output.weight"), "fc2.weight");
        let old: Vec<String> = ["hidden.weight", "fc1.weight", "conv1.bias"]
            .map(String::from)
            .into();
        assert_eq!(
            to_model(&wide, &old),
            [
                "hidden.0.linear.weight",
                "output.weight",
                "blocks.0.conv.bias"
            ]
        );
        let bn: crate::model::ModelConfig = "c8bp c16p".parse().unwrap();
        assert_eq!(to_file(&bn, "blocks.0.norm.running_var"), "bn1.running_var");
        assert_eq!(to_model(&bn, &["fc1.weight".into()]), ["output.weight"]);
    }
}
