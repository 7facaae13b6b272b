//! The real `crm` program as a child process over a test's own database, for
//! what an in-process server cannot show: a server killed with SIGKILL in the
//! middle of a request, then started again on the same database.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{ADMIN_EMAIL, ADMIN_PASSWORD, Client, JWT_SECRET, Store, TEST_RECEIVERS};

pub struct ChildServer {
    pub client: Client,
    program: String,
    child: Option<Child>,
    /// `None` for a second node on another server's database.
    store: Option<Store>,
    url: String,
    env: Vec<(String, String)>,
    /// Copies of the database, dropped with the server.
    copies: Vec<Store>,
}

impl std::ops::Deref for ChildServer {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

impl ChildServer {
    /// Starts `program serve` over a new database, with extra environment
    /// variables; `program` is `env!("CARGO_BIN_EXE_crm-under-test")`, which
    /// only a test target can name.
    pub fn start(program: &str, postgres: bool, env: &[(&str, &str)]) -> ChildServer {
        let (store, url) = Store::fresh(postgres);
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let mut server = ChildServer {
            client: Client::new(0),
            program: program.to_owned(),
            child: None,
            store: Some(store),
            url,
            env,
            copies: Vec::new(),
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let port = free_port();
        let child = Command::new(&self.program)
            .arg("serve")
            .env("DATABASE_URL", &self.url)
            .env("CRM_BIND", format!("127.0.0.1:{port}"))
            .env("CRM_JWT_SECRET", JWT_SECRET)
            .env("CRM_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("CRM_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("CRM_WORKERS", "2")
            // the tests' receivers listen on this machine
            .env("CRM_OUTBOUND_ALLOW", TEST_RECEIVERS)
            .env("RUST_LOG", "error")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the server: {e}"));
        self.child = Some(child);
        self.client = Client::new(port);
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            if let Ok(r) = ureq::get(&format!("{}/healthz", self.client.base)).call()
                && r.status() == 200
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("the server exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "the server did not answer within 600 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Another `crm serve` process on this server's database (the same
    /// environment), as a second node behind a load balancer.
    pub fn another_node(&self) -> ChildServer {
        let mut node = ChildServer {
            client: Client::new(0),
            program: self.program.clone(),
            child: None,
            store: None,
            url: self.url.clone(),
            env: self.env.clone(),
            copies: Vec::new(),
        };
        node.launch();
        node
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL: no shutdown, no cleanup, as in a crash.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server if it runs, then starts it again on the same database.
    pub fn restart(&mut self) {
        self.kill9();
        self.launch();
    }

    /// Stops the server and copies its database as it is (PostgreSQL): a
    /// read replica that stopped replaying at this moment. Returns the
    /// copy's URL; the copy is dropped with the server.
    pub fn copy_database(&mut self) -> String {
        self.kill9();
        let (copy, url) = self.store().copy();
        self.copies.push(copy);
        url
    }

    /// Runs `program` from the next start on (a benchmark comparing builds).
    pub fn set_program(&mut self, program: &str) {
        program.clone_into(&mut self.program);
    }

    /// Sets an environment variable for the next start.
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_owned(), value.to_owned()));
    }

    /// Runs SQL against this server's database (to arrange what the API cannot).
    pub fn sql(&self, statement: &str) {
        self.store().sql(statement);
    }

    fn store(&self) -> &Store {
        self.store.as_ref().expect("the first node owns the database")
    }

    /// Runs `SELECT COUNT(*) AS n ...` against this server's database.
    pub fn count(&self, statement: &str) -> i64 {
        self.store().count(statement)
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill9();
        if let Some(store) = &self.store {
            store.drop_database();
        }
        for copy in &self.copies {
            copy.drop_database();
        }
    }
}
