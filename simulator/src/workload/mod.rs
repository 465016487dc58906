//! The workload: a run's whole plan, drawn from a scenario and a decision stream.
//!
//! A [`Plan`] is explicit data: the world's configuration (disk shape, fault rates, the
//! seed of the simulated disks) and the list of steps (which connection runs which SQL,
//! which connection takes its next row, where a crash strikes). It does not depend on what
//! the engines answer, so the same plan runs on both engines in lockstep, serializes into a
//! self-contained repro file, and shrinks by deleting steps.
//!
//! Generation, in order: the per-seed configuration (swarm choices included), the schema and
//! its initial rows (the setup steps, which run with faults off), then the mix: at each step
//! the scheduler picks a connection; a connection with an open query takes its next row half
//! of the time, otherwise it starts a statement of a kind drawn from the mix.

pub mod schema;
pub mod sql;
pub mod values;

use serde::{Deserialize, Serialize};

use crate::decide::Decisions;
use crate::scenario::Scenario;
use schema::Schema;

/// What a run's simulated world looks like: one per run, the same for both engines.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorldConfig {
    /// Seed of each side's SimVfs (the same for both, so that a target run against itself
    /// meets the same faults at the same calls).
    pub sim_seed: u64,
    pub sector_size_bytes: u32,
    /// SQLITE_IOCAP_* bits.
    pub device_bits: u32,
    /// Disk capacity (ENOSPC past it); none when 0.
    pub capacity_bytes: u64,
    pub read_eio: f64,
    pub write_eio: f64,
    pub sync_eio: f64,
    pub open_eio: f64,
    pub short_read: f64,
    pub latency_max_us: u64,
    /// `PRAGMA page_size` of the new database.
    pub page_size_bytes: u32,
    /// `PRAGMA cache_size` (pages) on every connection; 0 keeps the default.
    pub cache_pages: u32,
}

impl WorldConfig {
    /// True when any I/O fault (not a crash) can be injected.
    pub fn io_faults(&self) -> bool {
        self.read_eio > 0.0
            || self.write_eio > 0.0
            || self.sync_eio > 0.0
            || self.open_eio > 0.0
            || self.short_read > 0.0
            || self.capacity_bytes > 0
    }
}

/// One step of a plan.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Start `sql` on connection `conn` (dropping the statement it had open) and step it
    /// once: its first row, or its end.
    Sql { conn: u32, sql: String },
    /// Step connection `conn`'s open statement once more.
    Next { conn: u32 },
    /// Power loss: it strikes at the `after_calls`-th I/O call of the next step, or at that
    /// step's end if it makes fewer calls; then every connection is dropped, the disk
    /// settles, and connections reopen (and recover) at their next step.
    Crash { after_calls: u32 },
}

impl Step {
    /// The connection the step runs on (None for a crash).
    pub fn conn(&self) -> Option<u32> {
        match self {
            Step::Sql { conn, .. } | Step::Next { conn } => Some(*conn),
            Step::Crash { .. } => None,
        }
    }
}

/// A run's whole plan.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub world: WorldConfig,
    /// Connections 0..connections.
    pub connections: u32,
    /// Steps before this index are setup: they run with I/O faults off.
    pub setup_steps: u32,
    pub steps: Vec<Step>,
    /// The scenario's oracle settings (absent in older repro files: the defaults).
    #[serde(default)]
    pub oracle: crate::scenario::OracleSpec,
}

impl Plan {
    /// Checks what a hand-edited or damaged repro file could get wrong: the number of
    /// connections within the scenario limit, every step on one of them, the setup within
    /// the steps. Errors: the first problem found.
    pub fn validate(&self) -> Result<(), String> {
        let max = crate::scenario::limits::MAX_CONNECTIONS;
        if !(1..=max).contains(&self.connections) {
            return Err(format!("plan: connections must be 1 to {max}, not {}", self.connections));
        }
        if self.setup_steps as usize > self.steps.len() {
            return Err(format!("plan: setup_steps {} exceeds the {} steps", self.setup_steps, self.steps.len()));
        }
        for (i, step) in self.steps.iter().enumerate() {
            if let Some(conn) = step.conn()
                && conn >= self.connections
            {
                return Err(format!("plan: step {i} runs on connection {conn} of {}", self.connections));
            }
        }
        Ok(())
    }

    /// The number of SQL statements the plan starts.
    pub fn statement_count(&self) -> usize {
        self.steps.iter().filter(|s| matches!(s, Step::Sql { .. })).count()
    }
}

/// Scales a rate by a swarm draw: off a third of the time, else 0.25x to 2x.
fn swarm_rate(d: &mut Decisions, swarm: bool, rate: f64) -> f64 {
    if !swarm || rate <= 0.0 {
        return rate;
    }
    if d.below(3) == 0 { 0.0 } else { (rate * (0.25 + 1.75 * d.unit())).min(1.0) }
}

/// Draws the world of one run from the scenario.
fn draw_world(d: &mut Decisions, scenario: &Scenario) -> WorldConfig {
    use touchstone_engine::vfs::DeviceCharacteristics as Dc;
    let f = &scenario.faults;
    let swarm = scenario.swarm;
    let mut device_bits = 0;
    for name in &f.device {
        if d.chance(0.5) {
            device_bits |= match name.as_str() {
                "atomic" => Dc::ATOMIC,
                "safe_append" => Dc::SAFE_APPEND,
                "sequential" => Dc::SEQUENTIAL,
                _ => Dc::POWERSAFE_OVERWRITE,
            };
        }
    }
    let full_disk = swarm_rate(d, swarm, f.full_disk);
    let capacity_bytes =
        if full_disk > 0.0 && d.chance(full_disk) { d.between(f.capacity_bytes[0], f.capacity_bytes[1]) } else { 0 };
    WorldConfig {
        sim_seed: d.fork_seed(),
        sector_size_bytes: *d.pick(&f.sector_sizes).unwrap_or(&4096),
        device_bits,
        capacity_bytes,
        read_eio: swarm_rate(d, swarm, f.read_eio),
        write_eio: swarm_rate(d, swarm, f.write_eio),
        sync_eio: swarm_rate(d, swarm, f.sync_eio),
        open_eio: swarm_rate(d, swarm, f.open_eio),
        short_read: swarm_rate(d, swarm, f.short_read),
        latency_max_us: f.latency_max_us,
        page_size_bytes: scenario.workload.page_size_bytes,
        cache_pages: scenario.workload.cache_pages,
    }
}

/// Per-connection state the generator tracks (what it believes, not what happened).
#[derive(Clone, Debug, Default)]
struct ConnModel {
    /// The last statement started was a query that may still have rows.
    open_query: bool,
    in_transaction: bool,
    savepoints: Vec<String>,
}

/// A transaction-control statement that fits what `conn` believes its state is.
fn transaction(d: &mut Decisions, conn: &mut ConnModel, next_savepoint: &mut u32) -> String {
    let mut savepoint = |conn: &mut ConnModel| {
        let name = format!("s{next_savepoint}");
        *next_savepoint += 1;
        conn.savepoints.push(name.clone());
        conn.in_transaction = true;
        format!("SAVEPOINT {name}")
    };
    if !conn.in_transaction {
        return match d.below(5) {
            0 => savepoint(conn),
            n => {
                conn.in_transaction = true;
                ["BEGIN", "BEGIN DEFERRED", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"][(n - 1) as usize].to_string()
            }
        };
    }
    match d.below(6) {
        0 | 1 => {
            *conn = ConnModel::default();
            "COMMIT".to_string()
        }
        2 => {
            *conn = ConnModel::default();
            "ROLLBACK".to_string()
        }
        3 => savepoint(conn),
        4 if !conn.savepoints.is_empty() => {
            let name = conn.savepoints.pop().unwrap_or_default();
            format!("RELEASE {name}")
        }
        _ => match d.pick(&conn.savepoints) {
            Some(name) => format!("ROLLBACK TO {name}"),
            None => "COMMIT".to_string(),
        },
    }
}

/// Generates the plan of one run.
pub fn generate(scenario: &Scenario, d: &mut Decisions) -> Plan {
    let w = &scenario.workload;
    let world = draw_world(d, scenario);
    let connections = d.between(1, u64::from(w.connections)) as u32;
    let mut weights: Vec<u32> = scenario.mix.weights().iter().map(|(_, w)| *w).collect();
    if scenario.swarm {
        for weight in weights.iter_mut() {
            if d.below(3) == 0 {
                *weight = 0;
            }
        }
        if weights.iter().all(|w| *w == 0) {
            weights = scenario.mix.weights().iter().map(|(_, w)| *w).collect();
        }
    }
    let crash_rate = swarm_rate(d, scenario.swarm, scenario.faults.crash);
    let spec = &scenario.values;

    let mut schema = Schema::default();
    let mut steps = Vec::new();
    let setup = |sql: String| Step::Sql { conn: 0, sql };
    steps.push(setup(format!("PRAGMA page_size = {}", world.page_size_bytes)));
    for _ in 0..d.between(1, u64::from(w.tables)) {
        steps.push(setup(schema.create_table(d, w.columns)));
    }
    for _ in 0..d.between(0, u64::from(w.indexes)) {
        if let Some(sql) = schema.create_index(d) {
            steps.push(setup(sql));
        }
    }
    steps.push(setup("BEGIN".to_string()));
    for _ in 0..d.between(0, u64::from(w.initial_rows)) {
        if let Some(sql) = sql::insert(d, spec, &schema) {
            steps.push(setup(sql));
        }
    }
    steps.push(setup("COMMIT".to_string()));
    let setup_steps = steps.len() as u32;

    let mut conns = vec![ConnModel::default(); connections as usize];
    let mut next_savepoint = 0;
    while steps.len() < (setup_steps + w.steps) as usize {
        if crash_rate > 0.0 && d.chance(crash_rate) {
            steps.push(Step::Crash { after_calls: d.below(48) as u32 });
            for conn in conns.iter_mut() {
                *conn = ConnModel::default();
            }
        }
        let c = d.index(conns.len());
        let conn = &mut conns[c];
        if conn.open_query && d.chance(0.5) {
            steps.push(Step::Next { conn: c as u32 });
            // The generator cannot know when the query ends: it stops asking after a while.
            conn.open_query = d.chance(0.8);
            continue;
        }
        let kind = d.weighted(&weights).unwrap_or(0);
        let sql = match kind {
            0 => sql::insert(d, spec, &schema),
            1 => sql::update(d, spec, &schema),
            2 => sql::delete(d, spec, &schema),
            3 => sql::point_read(d, spec, &schema),
            4 => sql::range_read(d, spec, &schema),
            5 => sql::aggregate(d, spec, &schema),
            6 => sql::join(d, spec, &schema),
            7 => schema.ddl(d, w.columns),
            _ => Some(transaction(d, conn, &mut next_savepoint)),
        };
        let Some(sql) = sql else { continue };
        conn.open_query = (3..=6).contains(&kind);
        steps.push(Step::Sql { conn: c as u32, sql });
    }
    Plan { world, connections, setup_steps, steps, oracle: scenario.oracle.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_plan_and_plans_have_every_kind() {
        let scenario = Scenario::default_scenario();
        let plan = |seed| generate(&scenario, &mut Decisions::from_seed(seed));
        assert_eq!(plan(5), plan(5));
        assert_ne!(plan(5), plan(6));
        let mut text = String::new();
        for seed in 0..50 {
            for step in plan(seed).steps {
                if let Step::Sql { sql, .. } = step {
                    text.push_str(&sql);
                    text.push('\n');
                }
            }
        }
        for needle in ["INSERT", "UPDATE", "DELETE", "GROUP BY", "JOIN", "INDEX", "SAVEPOINT", "COMMIT", "ROLLBACK"] {
            assert!(text.contains(needle), "no {needle} in 50 plans");
        }
    }

    #[test]
    fn plan_round_trips_through_toml() {
        let plan = generate(&Scenario::default_scenario(), &mut Decisions::from_seed(9));
        let text = toml::to_string(&plan).unwrap();
        let back: Plan = toml::from_str(&text).unwrap();
        assert_eq!(back, plan);
        assert_eq!(plan.validate(), Ok(()));
        let mut bad = plan.clone();
        bad.connections = 0;
        assert!(bad.validate().is_err());
        let mut bad = plan.clone();
        bad.steps.push(Step::Next { conn: plan.connections });
        assert!(bad.validate().unwrap_err().contains("connection"));
        let mut bad = plan;
        bad.setup_steps = bad.steps.len() as u32 + 1;
        assert!(bad.validate().is_err());
    }
}
