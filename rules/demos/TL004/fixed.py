"""A server waits for its configuration, which a loader task publishes."""
import asyncio

config = None
published = asyncio.Event()


async def load_config():
    global config
    config = {"port": 8080}
    published.set()
    print("config loaded")


async def serve():
    loader = asyncio.create_task(load_config())
    await published.wait()  # suspends until the loader has run
    print("serving on port", config["port"])
    await loader


asyncio.run(serve())
