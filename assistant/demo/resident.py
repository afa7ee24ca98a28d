"""A demo resident: asks a question, presses buttons, follows a guide, asks what nobody answers, or wants a person."""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from assistant.demo import flows, phrases
from assistant.demo.client import Chat, Diverted
from assistant.demo.staff import DemoStaff

KINDS = ("question", "guide", "menu", "unanswered", "other", "person")
KIND_WEIGHTS = (40, 30, 6, 10, 6, 8)
NOT_TOPICS = ("/human_help_request", "/goodbye", "/greeting", "/age_band", "/handoff_", "/guide_", "/out_of_scope")


@dataclass(frozen=True)
class Catalog:
    """What the assistant knows, from the knowledge folder: guides (with their topics) and the menu."""

    guides: Dict[str, Tuple[str, ...]]
    menu: Sequence[Tuple[str, str]]
    unanswered_seen: List[int] = field(default_factory=list)  # residents of this run with an unanswered question

    @classmethod
    def load(cls, knowledge_dir) -> "Catalog":
        from assistant.knowledge import load_knowledge

        knowledge = load_knowledge(knowledge_dir)
        return cls({g.id: tuple(g.topics) for g in knowledge.guides.values()}, list(knowledge.menu))

    def guide(self, rng: random.Random) -> str:
        table = {g: phrases.GUIDES.get(g, (2, [])) for g in self.guides}
        return flows.pick_weighted(rng, table)


def topic_buttons(chat: Chat) -> List[Dict[str, str]]:
    return [b for b in chat.buttons if not b["payload"].startswith(NOT_TOPICS)]


async def greet(chat: Chat, rng: random.Random, chance: float) -> None:
    if rng.random() < chance:
        text = "/greeting" if chat.channel == "telegram" and rng.random() < 0.6 else rng.choice(phrases.GREETINGS)
        await chat.say(text, rng.uniform(2, 10))


async def ask(chat: Chat, rng: random.Random, topic: str = "") -> None:
    """A typed question in the resident's own words."""
    topic = topic if topic in phrases.TOPICS else flows.pick_weighted(rng, phrases.TOPICS)
    await chat.say(rng.choice(phrases.TOPICS[topic][1]), rng.uniform(15, 60))


async def follow_up(chat: Chat, rng: random.Random) -> None:
    """Reacts to an answer: picks from "which one?" buttons, then sometimes a related button or the guide."""
    for _ in range(3):
        if "出典" in chat.text or not topic_buttons(chat) or rng.random() > 0.8:
            break
        await chat.press(rng.choice(topic_buttons(chat)), rng.uniform(4, 20))
    roll = rng.random()
    if roll < 0.2 and await chat.tap("/guide_start", rng.uniform(8, 30)):
        await flows.walk_guide(chat, rng)
        await flows.age_band(chat, rng)
    elif roll < 0.45 and topic_buttons(chat):
        await chat.press(rng.choice(topic_buttons(chat)), rng.uniform(8, 40))


async def goodbye(chat: Chat, rng: random.Random, chance: float = 0.35) -> None:
    if rng.random() < chance:
        await chat.say(rng.choice(phrases.GOODBYES), rng.uniform(5, 20))
        await flows.age_band(chat, rng)


async def question(chat: Chat, catalog: Catalog, rng: random.Random) -> None:
    if chat.channel == "kiosk" and rng.random() < 0.6:
        return await menu(chat, catalog, rng)
    await greet(chat, rng, 0.25)
    for _ in range(rng.choices((1, 2, 3), (60, 30, 10))[0]):
        await ask(chat, rng)
        await follow_up(chat, rng)
    await goodbye(chat, rng)


async def menu(chat: Chat, catalog: Catalog, rng: random.Random) -> None:
    await browse(chat, catalog, rng)
    await goodbye(chat, rng, 0.25)


async def browse(chat: Chat, catalog: Catalog, rng: random.Random) -> None:
    """The menu buttons (the kiosk's start screen, or a greeting's), then what they lead to."""
    if chat.channel == "kiosk":
        topics = [topic for _, topic in catalog.menu]
        topic = rng.choices(topics, [phrases.TOPICS.get(t, (2, []))[0] for t in topics])[0]
        await chat.say(f"/{topic}", rng.uniform(5, 20))
    else:
        await chat.say(rng.choice(phrases.GREETINGS), rng.uniform(2, 10))
        buttons = topic_buttons(chat)
        if not buttons:
            return
        await chat.press(rng.choice(buttons), rng.uniform(5, 20))
    await follow_up(chat, rng)


async def start_guide(chat: Chat, catalog: Catalog, rng: random.Random, guide_id: str) -> bool:
    """Starts a guide as residents do: a how-to question, 「手順を見る」 under an answer, or a link."""
    howto = phrases.GUIDES.get(guide_id, (0, []))[1]
    topics = [t for t in catalog.guides.get(guide_id, ()) if t in phrases.TOPICS]
    roll = rng.random()
    if howto and roll < 0.35:
        await chat.say(rng.choice(howto), rng.uniform(15, 60))
    elif topics and roll < 0.6:
        await ask(chat, rng, topics[0])
    else:
        await chat.say(f'/guide_start{{"guide":"{guide_id}"}}', rng.uniform(3, 10))
    for _ in range(2):
        if flows.in_guide(chat):
            return True
        if not (await chat.tap(f'/guide_start{{"guide":"{guide_id}"}}', rng.uniform(8, 30))
                or await chat.tap("/guide_start", rng.uniform(8, 30))):
            return False
    return flows.in_guide(chat)


async def guide(chat: Chat, catalog: Catalog, rng: random.Random) -> None:
    if await start_guide(chat, catalog, rng, catalog.guide(rng)):
        ended = await flows.walk_guide(chat, rng)
        if ended == "completed":
            await flows.age_band(chat, rng)
            await goodbye(chat, rng, 0.2)
    else:
        await follow_up(chat, rng)


async def unanswered(chat: Chat, catalog: Catalog, rng: random.Random) -> None:
    """A question the assistant has no answer for; some try again in other words, some give up."""
    await greet(chat, rng, 0.15)
    # Every other resident of the run asks about the newest thing (the first theme), the rest about any.
    catalog.unanswered_seen.append(1)
    theme = phrases.UNANSWERED_THEMES[0] if len(catalog.unanswered_seen) % 2 else rng.choice(phrases.UNANSWERED_THEMES)
    await chat.say(rng.choice(theme), rng.uniform(15, 60))
    roll = rng.random()
    if roll < 0.2:
        await chat.say(rng.choice(theme), rng.uniform(15, 45))  # the second miss calls a person
    elif roll < 0.6 and topic_buttons(chat):
        await chat.press(rng.choice(topic_buttons(chat)), rng.uniform(5, 20))
        await follow_up(chat, rng)


async def other(chat: Chat, catalog: Catalog, rng: random.Random) -> None:
    """Another city service or small talk: pointed to the city's main desk."""
    await chat.say(rng.choice(phrases.OTHER_SERVICES), rng.uniform(10, 40))
    roll = rng.random()
    if roll < 0.08:
        await chat.tap("/human_help_request", rng.uniform(5, 20))
    elif roll < 0.35:
        await ask(chat, rng)
        await follow_up(chat, rng)
    else:
        await goodbye(chat, rng, 0.3)


async def person(chat: Chat, catalog: Catalog, rng: random.Random) -> None:
    """Wants to talk to staff, at once or after a question; at a kiosk, 「職員を呼ぶ」."""
    if rng.random() < 0.4:
        await (browse(chat, catalog, rng) if chat.channel == "kiosk" else ask(chat, rng))
    if chat.channel == "kiosk":
        await chat.say("/human_help_request", rng.uniform(5, 30))  # the kiosk's 「職員を呼ぶ」
    elif not (rng.random() < 0.3 and await chat.tap("/human_help_request", rng.uniform(5, 30))):
        await chat.say(rng.choice(phrases.ASK_PERSON), rng.uniform(10, 40))


SCENARIOS = {"question": question, "guide": guide, "menu": menu, "unanswered": unanswered, "other": other,
             "person": person}


async def converse(chat: Chat, kind: str, catalog: Catalog, staff: DemoStaff, rng: random.Random) -> None:
    """One whole conversation; staff take over when it is handed to them, and nothing is left open."""
    try:
        try:
            await SCENARIOS[kind](chat, catalog, rng)
        except Diverted:
            if chat.open_handoff() is not None:
                await flows.with_staff(chat, staff, rng)
            elif chat.offered:
                await flows.after_hours(chat, staff, rng)
    finally:
        await asyncio.to_thread(staff.close_left_open, chat.sender)
