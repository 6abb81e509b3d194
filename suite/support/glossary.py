"""Chinese support words with their English help-center words, for the keyword side of cross-lingual search.

An English help center has no Chinese words, so a Chinese question's BM25 search finds only codes and product
names, and the multilingual vectors alone decide (摄像头 "camera" pulls every camera article above the generic
"device offline" one). Adding the English words of the question's known terms to its keyword query lets
"离线" meet "offline". Small and hand-written for the sample domain; extend it with the help center's terms.
"""

from __future__ import annotations

TERMS = {
    "离线": "offline",
    "断线": "offline",
    "掉线": "offline",
    "重置": "reset",
    "密码": "password",
    "忘记": "forgot",
    "门铃": "doorbell",
    "网关": "hub",
    "恒温器": "thermostat",
    "传感器": "sensor",
    "电池": "battery",
    "固件": "firmware",
    "更新": "update",
    "订阅": "subscription",
    "取消": "cancel",
    "退款": "refund",
    "退货": "return",
    "保修": "warranty",
    "发货": "shipping",
    "通知": "notifications",
    "夜视": "night vision",
    "账户": "account",
    "删除": "delete",
    "邮件": "email",
    "付款": "payment",
    "漏水": "leak",
    "存储": "storage",
    "视频": "video",
    "共享": "share",
    "家人": "member",
}


def expand(question: str) -> str:
    """The question plus the English words of the Chinese terms it contains (unchanged when it has none)."""
    extra = [english for chinese, english in TERMS.items() if chinese in question]
    return f"{question} {' '.join(extra)}" if extra else question
