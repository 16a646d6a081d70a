"""Signs users up and sends each a welcome email in the background."""
import asyncio

outbox = []
background_tasks = set()


async def send_welcome_email(user):
    await asyncio.sleep(0.1)  # talking to the mail server
    outbox.append(f"welcome, {user}")


async def sign_up(user):
    print("signed up", user)
    task = asyncio.create_task(send_welcome_email(user))
    background_tasks.add(task)  # a strong reference until the task is done
    task.add_done_callback(background_tasks.discard)


async def main():
    for user in ["ada", "grace", "linus"]:
        await sign_up(user)
    await asyncio.sleep(1)
    print("welcome emails sent:", len(outbox))


asyncio.run(main())
