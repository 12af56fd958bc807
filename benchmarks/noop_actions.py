"""A server action that does nothing, for the engine benchmark's three-step workflow."""


async def noop(args, ctx):
    return {"ok": True}


ACTIONS = {"noop": noop}
