"""A server waits for its configuration, which a loader task publishes."""
import asyncio

config = None


async def config_published():
    return config is not None  # never suspends


async def load_config():
    global config
    config = {"port": 8080}
    print("config loaded")


async def serve():
    loader = asyncio.create_task(load_config())
    while not await config_published():  # expect: TL004
        pass
    print("serving on port", config["port"])
    await loader


asyncio.run(serve())
