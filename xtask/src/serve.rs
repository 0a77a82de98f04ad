//! `cargo xtask serve`: trunk's development server on the development build (profile
//! `web-dev`, named per module in index.html: incremental, no LTO, no wasm-opt), or with
//! `--release` on the build `dist` ships. Each build trunk makes is timed for `doctor`.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Instant;

use crate::builds::{self, Kind};
use crate::process::{self, command};
use crate::tools::{self, Need};
use crate::{Result, root};

pub fn serve(release: bool) -> Result {
    let kind = if release { Kind::Dist } else { Kind::Dev };
    // The first build is timed from here: on a fresh machine it includes compiling the tools,
    // which runs beside the build (see `tools::setup`).
    let mut building = Some((Instant::now(), builds::cold(kind)));
    tools::setup(if release { Need::Dist } else { Need::Serve })?;
    let mut args = vec!["serve"];
    if release {
        args.push("--release");
    }
    let mut trunk = command("trunk", &args, &root())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run trunk: {e}"))?;
    let log = BufReader::new(trunk.stdout.take().expect("piped"));
    // trunk logs "starting build" and then "success" (or an error) for each build.
    for line in log.lines() {
        let line = line.map_err(|e| format!("trunk's output: {e}"))?;
        println!("{line}");
        if line.contains("starting build") {
            building.get_or_insert_with(|| (Instant::now(), builds::cold(kind)));
        } else if line.contains("success")
            && let Some((at, cold)) = building.take()
        {
            builds::record(kind, cold, at.elapsed().as_secs_f64());
        }
    }
    process::status_of("trunk", trunk.wait())
}
