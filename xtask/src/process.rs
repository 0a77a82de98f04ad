//! Running the programs the commands are made of, with the npm-installed tools (binaryen's
//! wasm-opt) on the PATH.

use std::path::Path;
use std::process::{Command, ExitStatus};

use crate::{Result, root};

/// PATH with the npm-installed tools first.
fn path_with_tools() -> String {
    let bin = root().join("e2e/node_modules/.bin");
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// `program args` in `dir`, said on stderr first.
pub fn command(program: &str, args: &[&str], dir: &Path) -> Command {
    eprintln!("xtask: {program} {}", args.join(" "));
    let mut c = Command::new(program);
    c.args(args).current_dir(dir).env("PATH", path_with_tools());
    c
}

/// Runs `program args` in `dir`; an error unless it succeeds.
pub fn run(program: &str, args: &[&str], dir: &Path) -> Result {
    status(command(program, args, dir))
}

/// Runs a prepared command; an error, naming the command with its arguments, unless it
/// succeeds.
pub fn status(mut command: Command) -> Result {
    let mut named = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        named = format!("{named} {}", arg.to_string_lossy());
    }
    status_of(&format!("`{named}`"), command.status())
}

/// An error unless `program` ran and succeeded.
pub fn status_of(program: &str, status: std::io::Result<ExitStatus>) -> Result {
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{program} failed ({status})")),
        Err(e) => Err(format!("cannot run {program}: {e}")),
    }
}

/// What `program args` prints on stdout, or `None` if it cannot run or fails.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .env("PATH", path_with_tools())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_command_is_named_with_its_arguments() {
        let mut sh = Command::new("sh");
        sh.args(["-c", "exit 3"]);
        assert_eq!(
            status(sh),
            Err("`sh -c exit 3` failed (exit status: 3)".into())
        );
        let missing = status(Command::new("no-such-program-here"));
        assert!(
            missing
                .unwrap_err()
                .starts_with("cannot run `no-such-program-here`: ")
        );
    }
}
