// Sends a report to a flaky server, retrying with a growing back-off (tokio).
use std::time::Duration;

struct FlakyServer {
    failures_left: u32,
}

impl FlakyServer {
    async fn send(&mut self, report: &str) -> Result<(), String> {
        tokio::task::yield_now().await; // the request
        if self.failures_left > 0 {
            self.failures_left -= 1;
            return Err(format!("503 for {report}"));
        }
        Ok(())
    }
}

async fn send_with_retry(server: &mut FlakyServer, report: &str) -> Result<(), String> {
    let mut backoff = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        match server.send(report).await {
            Ok(()) => return Ok(()),
            Err(error) if attempt < 3 => {
                println!("attempt {attempt} failed: {error}; retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

pub fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let mut server = FlakyServer { failures_left: 2 };
        let sent = send_with_retry(&mut server, "daily report").await;
        println!("sent: {sent:?}");
    });
}
