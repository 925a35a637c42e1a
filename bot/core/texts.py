"""Everything the bot says, in one place (ready for translation). Templates take `str.format` fields."""

from __future__ import annotations

HELP = (
    "Tell me how you feel or what you're doing — e.g. \"rainy sunday morning, feeling nostalgic\" — "
    "and I'll make you a playlist.\n"
    "Commands:\n"
    "  /more — more tracks like these\n"
    "  /remove N — drop track N (I'll remember you didn't like it)\n"
    "  /like N, /dislike N — rate track N\n"
    "  /tags — the tags behind your playlist; /toggle TAG — switch one on or off\n"
    "  /taste ARTIST, ARTIST… — name artists you love, so playlists fit your taste\n"
    "  /feedback up|down — rate the whole playlist\n"
    "  /place CITY — tag suggestions for your weather and time of day\n"
    "  /subscribe [CITY] [HH:MM …] — get those suggestions pushed daily; /unsubscribe\n"
    "  /export [m3u|jspf] — your playlist as links and a file, no Spotify needed\n"
    "  /connect — link Spotify; /save — save your playlist there; /disconnect\n"
    "  /blend on|off — let friends' group playlists include your taste (never who you play)\n"
    "  /forget yes — delete everything I keep about you\n"
    "  /help — this message"
)
GREETING = "Hi{name}! I'm Suggestify. " + HELP
UNKNOWN_COMMAND = "I don't know /{command}.\n\n" + HELP
EMPTY_MESSAGE = "Tell me a mood, a moment or an activity and I'll make you a playlist."
SMALL_TALK = {
    "greeting": "Hi! I'm Suggestify. Tell me your mood or what you're doing and I'll make you a playlist.",
    "who": "I'm Suggestify, a music bot: tell me how you feel or what you're up to, and I'll make you a playlist "
           "that fits the moment and your taste.",
    "what": "I turn a sentence about your mood into a playlist — try \"rainy sunday morning, feeling nostalgic\" "
            "or \"pumping iron at the gym, no rap\". /help lists what else I can do.",
    "thanks": "You're welcome! Ask for another playlist any time.",
    "how": "I'm good, thanks — in the mood for some music? Tell me how you feel.",
    "ack": "👍 Tell me a mood whenever you want another playlist.",
    "off_topic": "I only know music, I'm afraid. Tell me your mood and I'll make you a playlist.",
}
SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Your playlist is safe — please try again."
SLOW_DOWN = "You're sending messages faster than I can make playlists. Give me a few seconds, then try again."

# The database is unreachable
NO_MEMORY_COMMANDS = "I can't reach my memory right now, so commands are paused. Try again in a moment."
NO_MEMORY_PLAYLIST = "I can't reach my memory right now, so this one isn't personalised and won't be remembered."
NO_MEMORY_BLEND = "I can't reach my memory right now, so I can't read everyone's taste. Try again soon."
NOT_SAVED = " (I couldn't save this one: /more may not follow from it)"

# Playlists
NOT_UNDERSTOOD = ("I couldn't make out a mood in that — I understand English best. "
                  "Pick a tag, or tell me in a few English words.")
ONLY_EMOJI = "Nice emoji! Tell me in words how you feel or what you're up to, or pick a tag."
NO_MOOD = "I couldn't find a mood in that. Try something like \"sunny road trip\" or pick a tag."
LACKING = ("I have little or no {what} yet. Tell me a mood or a moment to go with it, or pick a tag.")
NOTHING_PASSES = "Nothing in my catalog passes those filters. Try fewer constraints."
PLAYLIST_FOR = "Here's your playlist for “{text}”{understood}"
WITH_TAGS = "{title} — tags: {tags}"
MORE_TITLE = "More like this"
MORE_FIRST = "Ask me for a playlist first — tell me your mood."
NO_MORE = "That's everything I have for these tags. Try other words or toggle a tag."
REMOVED = "Removed {track}"
RERANKED = "Re-ranked with your tags"
NO_PLAYLIST = "There's no playlist yet — tell me your mood first."
WHICH_ONE = "Which one? Use /{verb} N with N from 1 to {n}."
THAT_TRACK = "that track"
MORE_BUTTON = "More like this"
TAGS_NONE = "No playlist yet. Here are some tags for right now:"
TAGS_LIST = "Your tags: {tags}. Use /toggle TAG to switch one."
TAG_OFF = " (off)"
TOO_MANY_TAGS = "This playlist already has {n} tags: switch one off, or start afresh with a new mood."
NOT_A_TAG = "“{tag}” isn't one of your tags. /tags lists them."
EXPORT_FORMATS = "I can export as {formats}: /export m3u"
EXPORT_TITLE = "Suggestify playlist"
EXPORT_HEADER = ("Your playlist “{title}”: the attached {fmt} file opens in most players{players}. Each track on "
                 "Spotify and YouTube:")
EXPORT_M3U_PLAYERS = " (VLC, foobar2000, Apple Music)"
EXPORT_JSPF_PLAYERS = " and imports into ListenBrainz"
EXPORT_ENTRY = "{n}. {artist} — {name}\n   Spotify: {spotify}\n   YouTube: {youtube}"
EXPORT_MORE = "…and {n} more in the file."

# What was understood, said back: " (only jazz; by Queen; from the 80s)"
READ_FROM = "read from {lang}: {tags}"
ONLY = "only {what}"
BY = "by {who}"
LIKE = "like {who}"
NO = "no {what}"
FROM_ERA = "from the {era}"
FROM_YEAR = "from {year}"
OCCASION = "{what} songs"
NEW_ONLY = "released in the last two years"
SOUNDING_RIGHT = "sounding right for {moments}"
NONE_OF = "I have little or no {what} yet, so this is the closest I found"
NEAREST = "the nearest I have: {what}"
NO_SONGS_BY = "I have no songs by {who} yet, so here is music like theirs"

# Feedback and taste
LIKED = "Glad you like {track}. I'll use that next time."
DISLIKED = "Noted, less like {track}. I'll use that next time."
FEEDBACK_HOW = "Use /feedback up or /feedback down."
FEEDBACK_UP = "Thanks! I'll remember you liked this one."
FEEDBACK_DOWN = "Thanks for saying so — I'll steer away from these. Try /toggle on a tag, or tell me more."
TASTE_HOW = "Name a few artists you love, separated by commas: /taste Radiohead, Massive Attack, Björk"
TASTE_GOT = "Got it — you like {artists}. Your playlists will lean that way."
TASTE_UNKNOWN = "I don't know {names} yet."

# Spotify and the listener's data
NO_SPOTIFY = ("Spotify isn't set up on this bot. /export gives you the playlist as Spotify and YouTube links "
              "and a file for any player.")
CONNECT_LINK = ("Open this link to connect your Spotify account. It works once, for 10 minutes, and only in the "
                "browser that opens it first, so don't share it:\n{link}")
CONNECT_AGAIN = ("I can't use your saved Spotify sign-in any more (it was revoked, or my key changed), so I removed "
                 "it. Open this link to connect again (yours alone, for 10 minutes):\n{link}")
CONNECTED_UNREACHABLE = ("You're connected to Spotify as {name}, but I can't reach Spotify right now. /save will "
                         "still try; /disconnect unlinks.")
CONNECTED_REREAD = ("You're connected to Spotify as {name}; I re-read your top and recent tracks ({found} artists "
                    "and tracks I know). /save saves your playlist; /disconnect unlinks.")
NOT_CONNECTED = "No Spotify account is connected."
DISCONNECTED = "Disconnected: I deleted your Spotify tokens. Your playlists here stay."
CONNECT_FIRST = "Connect Spotify first with /connect — or /export the playlist as links and a file."
SAVE_TITLE = "Suggestify: {text}"
SAVE_UNTITLED = "my playlist"
SAVING = "Saving {n} tracks to your Spotify… I'll tell you when it's there."
FORGET_HOW = ("/forget yes deletes everything I keep about you: your taste, listening history, playlists, "
              "sessions, Spotify link, pending saves and scheduled suggestions. It can't be undone.")
FORGOTTEN = ("Done: I deleted everything I kept about you ({n} records). If you write again, I start from "
             "scratch.")

# Blends
BLEND_HOW = ("/blend on lets friends include your taste in group playlists (/blend on Discord); /blend off keeps "
             "it to yourself. Nobody sees which artists you play either way.")
BLEND_ON = "Your taste can now join blends. /blend off stops it."
BLEND_OFF = "Your taste stays out of blends, ongoing ones included. /blend on to join again."
BLEND_NEEDS_TWO = "A blend needs at least two people: name them, or join a voice channel with friends."
BLEND_NOBODY = ("Nobody else here has opted in to blends yet. Each of them can send /blend on (on Discord: "
                "/blend optin:on) to let their taste join.")
BLEND_NO_TASTE = "I don't know any of these listeners' taste yet — each of you can tell me with /taste."
BLEND_TITLE = "A blend for {n} listeners"
BLEND_LEFT_OUT = " ({n} not opted in, so left out: /blend on to join)"

# Moments: place, weather, scheduled suggestions
PLACE_HOW = "Tell me your city — /place Seoul — and I'll suggest tags for your weather and time of day."
WEATHER_OFF = "Weather suggestions are switched off here."
PLACE_SET = "Got it: {name} ({timezone}). Tags for your weather and time of day:"
PLACE_LOOKUP_DOWN = "I can't look places up right now. Please try again later."
PLACE_UNKNOWN = "I couldn't find “{city}”. Try the nearest big city."
NO_SCHEDULE = "Scheduled suggestions aren't available here — try me on Telegram or Discord."
SUBSCRIBED = "Subscribed: tag suggestions every day at {times} ({timezone}).{hint} /unsubscribe stops them."
SUBSCRIBE_HINT = " Add your city (/subscribe Seoul 08:00) for weather and local time."
NOT_SUBSCRIBED_HERE = "You have no scheduled suggestions here."
UNSUBSCRIBED = "Unsubscribed: no more scheduled suggestions."
WERE_NOT_SUBSCRIBED = "You weren't subscribed."
PUSH = "Tags for right now — tap one for a playlist:"
