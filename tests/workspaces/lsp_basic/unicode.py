# 你好，世界 — emoji 🐍 and 👩‍💻 in comments
GREETING = "こんにちは 🌍"
