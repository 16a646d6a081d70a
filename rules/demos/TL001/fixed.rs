// Signs users up and sends each a welcome email in the background (smol).
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn send_welcome_email(user: &'static str, outbox: Arc<Mutex<Vec<String>>>) {
    smol::Timer::after(Duration::from_millis(100)).await; // talking to the mail server
    outbox.lock().unwrap().push(format!("welcome, {user}"));
}

async fn sign_up(user: &'static str, outbox: Arc<Mutex<Vec<String>>>) {
    println!("signed up {user}");
    smol::spawn(send_welcome_email(user, outbox)).detach(); // runs on its own
}

pub fn main() {
    smol::block_on(async {
        let outbox = Arc::new(Mutex::new(Vec::new()));
        for user in ["ada", "grace", "linus"] {
            sign_up(user, outbox.clone()).await;
        }
        smol::Timer::after(Duration::from_secs(1)).await;
        println!("welcome emails sent: {}", outbox.lock().unwrap().len());
    });
}
