// Uploads the parts of a file in parallel, then reports (tokio).
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn upload(part: u64, uploaded: Arc<Mutex<Vec<u64>>>) {
    tokio::time::sleep(Duration::from_millis(50 * (4 - part))).await; // the network
    uploaded.lock().unwrap().push(part);
}

async fn upload_file(parts: u64) {
    let uploaded = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for part in 1..=parts {
        handles.push(tokio::spawn(upload(part, uploaded.clone())));
    }
    for handle in handles {
        handle.await.expect("the upload finished"); // waits for every part
    }
    println!("uploaded parts: {:?}", uploaded.lock().unwrap());
}

pub fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(upload_file(3));
}
