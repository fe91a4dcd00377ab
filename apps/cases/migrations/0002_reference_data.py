"""The starting fields (分野) and tools; a frozen copy of apps/cases/reference.py."""

from django.db import migrations

FIELDS = [
    ("administrative-services", "行政サービス", "Administrative services"),
    ("disaster-prevention", "防災", "Disaster prevention"),
    ("education", "教育", "Education"),
    ("welfare", "福祉", "Welfare"),
    ("child-rearing", "子育て", "Child-rearing"),
    ("health", "健康・医療", "Health and medical care"),
    ("environment", "環境", "Environment"),
    ("transport", "交通", "Transport"),
    ("public-safety", "防犯・安全", "Public safety"),
    ("urban-infrastructure", "都市基盤", "Urban infrastructure"),
    ("tourism-industry", "観光・産業", "Tourism and industry"),
    ("internal-operations", "庁内業務", "Internal operations"),
]

TOOLS = [
    ("microsoft-365", "Microsoft 365", "Microsoft 365"),
    ("low-code", "ローコード（Power Platform 等）", "Low-code (Power Platform etc.)"),
    ("rpa", "RPA", "RPA"),
    ("chatbot", "チャットボット", "Chatbot"),
    ("image-recognition", "画像認識", "Image recognition"),
    ("ai-ocr", "AI-OCR", "AI-OCR"),
    ("generative-ai", "生成AI", "Generative AI"),
    ("data-platform", "データ連携基盤", "Data platform"),
    ("bi", "BI・データ分析", "BI and data analysis"),
    ("iot-sensors", "IoTセンサー", "IoT sensors"),
    ("gis", "GIS（地理情報システム）", "GIS (geographic information system)"),
    ("mixed-reality", "MR（複合現実）", "Mixed reality (MR)"),
    ("online-application", "電子申請", "Online application"),
    ("external-api", "外部API連携", "External API integration"),
    ("sms", "SMS", "SMS"),
    ("web-meeting", "Web会議", "Web meetings"),
]


def load(apps, schema_editor):
    for model_name, rows in (("Field", FIELDS), ("Tool", TOOLS)):
        model = apps.get_model("cases", model_name)
        for order, (code, ja, en) in enumerate(rows):
            model.objects.get_or_create(code=code, defaults={"name_ja": ja, "name_en": en, "sort_order": (order + 1) * 10})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
