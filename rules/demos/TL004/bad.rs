// A server waits for its port, which a loader task publishes (smol).
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;

use smol::future;

async fn load_config(port: Arc<AtomicU16>) {
    port.store(8080, Ordering::Release);
    println!("config loaded");
}

async fn wait_for_port(port: &AtomicU16) -> u16 {
    loop { // expect: TL004
        let published = future::ready(port.load(Ordering::Acquire)).await;
        if published != 0 {
            return published;
        }
    }
}

pub fn main() {
    smol::block_on(async {
        let port = Arc::new(AtomicU16::new(0));
        let loader = smol::spawn(load_config(port.clone()));
        let port = wait_for_port(&port).await;
        println!("serving on port {port}");
        loader.await;
    });
}
