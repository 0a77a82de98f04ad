//! Enums a person picks by name (a CLI flag, a URL key, a form menu, a saved record).

/// The value among `all` that `name_of` calls `name`: the one lookup behind each such enum's
/// `FromStr` (`Preset`, `BackendChoice`).
pub fn by_name<T: Copy>(all: &[T], name_of: impl Fn(T) -> &'static str, name: &str) -> Option<T> {
    all.iter().copied().find(|&value| name_of(value) == name)
}
