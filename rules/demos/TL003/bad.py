"""Logs users in and keeps an audit trail of every login."""
import asyncio

audit_trail = []
passwords = {"ada": "lovelace", "grace": "hopper"}


async def record_login(user):
    audit_trail.append(f"login {user}")


async def log_in(user, password):
    if passwords.get(user) != password:
        return False
    record_login(user)  # expect: TL003
    return True


async def main():
    for user, password in [("ada", "lovelace"), ("grace", "hopper")]:
        print(user, "logged in:", await log_in(user, password))
    print("audit trail:", audit_trail)


asyncio.run(main())
