"""Help-center content for Brightwave (a fictional smart-home company); rendered to files by generate.py."""

# (file name, title, [(section heading, paragraph), ...]); the extension picks the format written.
ARTICLES = [
    (
        "hub-setup.md",
        "Setting up the Brightwave Hub H2",
        [
            (
                "Before you start",
                "The Brightwave Hub H2 connects all your Brightwave devices to the Brightwave app. You need a "
                "smartphone with the Brightwave app version 5.2 or later, a 2.4 GHz Wi-Fi network and the power "
                "adapter from the box.",
            ),
            (
                "Set up the hub",
                "Plug the Hub H2 into power and wait until the ring light pulses blue. In the Brightwave app tap "
                "Add device, choose Hub H2 and scan the QR code on the bottom of the hub. Setup usually takes "
                "about three minutes. When the ring light turns solid white, the hub is online.",
            ),
            (
                "Placement",
                "Place the hub in a central spot, at least one metre away from microwaves and cordless phone "
                "bases. Every Brightwave sensor must be within 30 metres of the hub.",
            ),
        ],
    ),
    (
        "wifi-requirements.md",
        "Wi-Fi requirements and error E-4012",
        [
            (
                "Supported networks",
                "Brightwave devices work on 2.4 GHz Wi-Fi networks with WPA2 or WPA3 security. They do not "
                "support 5 GHz-only networks, captive portals such as hotel Wi-Fi, or enterprise (802.1X) logins.",
            ),
            (
                "Error E-4012: the hub cannot join your Wi-Fi",
                "Error E-4012 means the Hub H2 could not join the Wi-Fi network you chose. The most common cause is "
                "a router that only broadcasts 5 GHz, or a combined network name for 2.4 GHz and 5 GHz bands. "
                "Split the bands in your router settings or enable the 2.4 GHz band, then restart the hub and "
                "retry setup. Check that the password is typed correctly: it is case-sensitive.",
            ),
            (
                "Signal strength",
                "A signal of at least -70 dBm at the device location is recommended. The app shows signal strength "
                "under Device settings > Network.",
            ),
        ],
    ),
    (
        "reset-password.md",
        "Resetting your account password",
        [
            (
                "Forgot your password",
                "On the sign-in screen of the Brightwave app tap Forgot password and enter the email address of "
                "your account. We send a reset link that is valid for 30 minutes. Open the link on your phone and "
                "choose a new password of at least 10 characters.",
            ),
            (
                "The reset email does not arrive",
                "Check your spam or junk folder and make sure you typed the email address you registered with. "
                "You can request a new link after 2 minutes. After 5 requests in one hour the account is "
                "temporarily locked for security; wait one hour and try again.",
            ),
            (
                "Changing your password while signed in",
                "Go to Account > Security > Change password. Changing your password signs you out on all "
                "other phones and tablets.",
            ),
        ],
    ),
    (
        "two-factor-authentication.md",
        "Two-factor authentication",
        [
            (
                "Turn on two-factor authentication",
                "Two-factor authentication adds a six-digit code to each sign-in. Go to Account > Security > "
                "Two-factor authentication and choose an authenticator app or text message (SMS).",
            ),
            (
                "Backup codes",
                "When you turn it on, the app shows ten backup codes. Each code works once. Keep them somewhere "
                "safe: if you lose your phone, a backup code is the fastest way back into your account.",
            ),
            (
                "Lost phone and no backup codes",
                "Contact support with your order number and the serial number of one of your devices. Identity "
                "checks take up to two business days before two-factor authentication can be removed.",
            ),
        ],
    ),
    (
        "cam360-installation.html",
        "Installing the Cam 360 indoor camera",
        [
            (
                "What is in the box",
                "The Cam 360 comes with a USB-C cable, a 5 V 2 A power adapter, a wall mount and two screws.",
            ),
            (
                "Mounting",
                "The Cam 360 can stand on a shelf or hang upside down from the ceiling. If you mount it upside "
                "down, turn on Flip image under Camera settings > Video so the picture is the right way up.",
            ),
            (
                "Adding the camera",
                "In the app tap Add device > Cam 360 and follow the steps. The camera speaks 'ready to connect' "
                "when it is in pairing mode. If it does not, hold the reset button for 5 seconds.",
            ),
        ],
    ),
    (
        "cam360-night-vision.md",
        "Night vision on the Cam 360",
        [
            (
                "How night vision works",
                "The Cam 360 switches to infrared night vision automatically when the room gets dark. It can see "
                "up to 8 metres in complete darkness, and the picture becomes black and white.",
            ),
            (
                "Glare through windows",
                "Infrared light reflects off glass. If the night picture is washed out, move the camera so it does "
                "not point through a window, or turn off night vision under Camera settings > Night vision.",
            ),
            (
                "Status light",
                "The small red infrared lights around the lens glow faintly at night. This is normal.",
            ),
        ],
    ),
    (
        "firmware-updates.md",
        "Firmware updates and error E-2207",
        [
            (
                "Automatic updates",
                "Brightwave devices install firmware updates automatically between 02:00 and 04:00 local time. "
                "You can install an update right away under Device settings > Firmware.",
            ),
            (
                "Error E-2207: the update failed",
                "Error E-2207 means a firmware update could not be installed, usually because the download was "
                "interrupted. Keep the device plugged in, make sure it has a stable Wi-Fi signal and tap Retry "
                "update. Do not unplug a device while its light is flashing purple.",
            ),
            (
                "Release notes",
                "Release notes for every firmware version are shown in the app before you install it.",
            ),
        ],
    ),
    (
        "thermo-t5-wiring.html",
        "Wiring the Thermo T5 thermostat and error E-3301",
        [
            (
                "Compatible systems",
                "The Thermo T5 smart thermostat works with most 24 V heating and cooling systems, including gas "
                "boilers, heat pumps and forced-air furnaces. It does not work with 230 V electric baseboard "
                "heaters.",
            ),
            (
                "The C-wire",
                "The Thermo T5 needs a common wire (C-wire) for continuous power. If your system has no C-wire, "
                "install the Power Adapter Kit PA-1 that comes in the box.",
            ),
            (
                "Error E-3301: no power on the C-wire",
                "Error E-3301 means the thermostat is not getting steady power from the C-wire. Turn off power at "
                "the breaker, check that the C-wire is firmly inserted in the C terminal, and that the other end is "
                "connected at the furnace control board. If there is no C-wire, fit the PA-1 adapter.",
            ),
        ],
    ),
    (
        "thermo-schedules.md",
        "Heating schedules and Eco mode on the Thermo T5",
        [
            (
                "Create a schedule",
                "Open the Thermo T5 in the app, tap Schedule and add time blocks for each day. You can copy a "
                "day's schedule to other days.",
            ),
            (
                "Eco mode",
                "Eco mode lowers the target temperature to 17 °C in heating season (and raises it to 27 °C in "
                "cooling season) while nobody is home. Customers save on average 12% on heating with Eco mode.",
            ),
            (
                "Manual override",
                "Turning the dial overrides the schedule until the next scheduled time block.",
            ),
        ],
    ),
    (
        "doorbell-d1-power.txt",
        "Doorbell D1 power and error E-1180",
        [
            (
                "Power requirements",
                "The Doorbell D1 runs on existing doorbell wiring of 16 to 24 V AC, or on its built-in "
                "rechargeable battery. A full charge lasts about 4 months with 20 rings a day.",
            ),
            (
                "Error E-1180: low voltage",
                "Error E-1180 means the doorbell is receiving less than 16 V AC from the doorbell transformer. "
                "Replace the transformer with a 16-24 V AC, 30 VA model, or run the Doorbell D1 on battery only.",
            ),
            (
                "Charging the battery",
                "Charge the battery with the USB-C cable from the box. Charging from empty takes about 5 hours.",
            ),
        ],
    ),
    (
        "doorbell-chime.md",
        "Pairing a chime with the Doorbell D1",
        [
            (
                "Plug-in Chime C2",
                "The Chime C2 plugs into any wall socket and rings when someone presses the Doorbell D1. In the "
                "app open the doorbell, tap Chimes > Add chime and press the button on the Chime C2.",
            ),
            (
                "Existing mechanical chime",
                "If your home has a mechanical chime, the Doorbell D1 rings it too. Set Chime type to Mechanical "
                "under Doorbell settings > Chime.",
            ),
            (
                "Quiet hours",
                "Set quiet hours to stop the chime ringing at night; you still get a phone notification.",
            ),
        ],
    ),
    (
        "brightwave-plus-plans.md",
        "Brightwave Plus plans and pricing",
        [
            (
                "Plans",
                "Brightwave Plus Basic costs 3.99 USD per month for one camera and keeps 30 days of video history. "
                "Brightwave Plus Premium costs 9.99 USD per month for unlimited cameras, 60 days of video history "
                "and person and package detection.",
            ),
            (
                "Free trial",
                "Every new camera or doorbell comes with a 30-day free trial of Brightwave Plus Premium. "
                "No payment card is needed for the trial.",
            ),
            (
                "Cancel or change your plan",
                "Go to Account > Subscriptions to upgrade, downgrade or cancel. A cancellation takes effect at the "
                "end of the current billing period; you keep access until then.",
            ),
        ],
    ),
    (
        "payment-declined.md",
        "Payment declined and error E-5100",
        [
            (
                "Error E-5100: payment declined",
                "Error E-5100 means your bank or card issuer declined the payment for your Brightwave Plus "
                "subscription. Check that the card has not expired and that the billing address matches the one "
                "your bank has on file.",
            ),
            (
                "Update your payment method",
                "Go to Account > Billing > Payment method and add a new card or PayPal account. We retry a failed "
                "payment three times over 7 days.",
            ),
            (
                "What happens if payment keeps failing",
                "If all retries fail, your subscription pauses. Recorded video stays available for 14 days so you "
                "can update your payment details without losing it.",
            ),
        ],
    ),
    (
        "returns-and-refunds.md",
        "Returns and refunds",
        [
            (
                "30-day returns",
                "You can return any Brightwave device bought from brightwave.example within 30 days of delivery "
                "for a full refund. Start a return under Orders > Return an item; we email a prepaid shipping "
                "label.",
            ),
            (
                "Refund timing",
                "Refunds are issued to the original payment method within 5 business days after the returned "
                "item reaches our warehouse. Banks may take a few more days to show it.",
            ),
            (
                "Items bought from other stores",
                "Devices bought from another retailer must be returned to that retailer under its return policy.",
            ),
        ],
    ),
    (
        "warranty-care-plus.html",
        "Warranty and Care+ protection",
        [
            (
                "Standard warranty",
                "Every Brightwave device has a 2-year limited warranty against manufacturing defects from the "
                "date of purchase. Keep your receipt or order number.",
            ),
            (
                "Care+",
                "Care+ extends the warranty to 4 years and covers accidental damage such as drops and liquid, "
                "with up to two claims per year. Care+ costs 29 USD per device and must be bought within 60 days "
                "of the device purchase.",
            ),
            (
                "Making a warranty claim",
                "Go to Orders > Get help with a device and describe the problem. If the device is faulty we ship "
                "a replacement before you send the old one back.",
            ),
        ],
    ),
    (
        "shipping-and-delivery.md",
        "Shipping and delivery",
        [
            (
                "Delivery times",
                "Standard shipping takes 3 to 5 business days and is free on orders over 50 USD. Express shipping "
                "takes 1 to 2 business days and costs 12 USD.",
            ),
            (
                "Tracking your order",
                "When your order ships we email a tracking number. You can also see it under Orders in the app "
                "or on brightwave.example/orders.",
            ),
            (
                "Countries we ship to",
                "We ship to the United States, Canada, the United Kingdom and the European Union. We do not ship "
                "to P.O. boxes.",
            ),
        ],
    ),
    (
        "cloud-video-storage.md",
        "Cloud video storage and error E-6021",
        [
            (
                "How long video is kept",
                "With Brightwave Plus, motion clips are stored in the cloud for 30 days (Basic) or 60 days "
                "(Premium). Without a subscription, the last 24 hours of event snapshots are kept.",
            ),
            (
                "Error E-6021: storage full",
                "Error E-6021 means the microSD card in the camera is full and local recording has stopped. "
                "Turn on Overwrite oldest under Camera settings > Local storage, or format the card. The Cam 360 "
                "accepts microSD cards up to 256 GB.",
            ),
            (
                "Downloading clips",
                "Open a clip in the Events timeline and tap Download to save it as an MP4 file.",
            ),
        ],
    ),
    (
        "sharing-access.md",
        "Sharing access with family members",
        [
            (
                "Invite someone",
                "Go to Home settings > Members > Invite and enter the person's email address. They get full "
                "control of devices but cannot change billing or delete the home.",
            ),
            (
                "Limits",
                "A home can have up to 10 members. Guest access can be limited to chosen devices and to a date "
                "range, which is useful for cleaners or house sitters.",
            ),
            (
                "Remove a member",
                "Tap the member's name and choose Remove from home. Their access ends immediately.",
            ),
        ],
    ),
    (
        "delete-account.md",
        "Deleting your account and exporting your data",
        [
            (
                "Export your data",
                "Go to Account > Privacy > Export my data. We email a download link for a ZIP file with your "
                "device history and settings within 48 hours.",
            ),
            (
                "Delete your account",
                "Go to Account > Privacy > Delete account. Active subscriptions are cancelled and all video "
                "recordings are permanently deleted after a 14-day grace period, during which you can change "
                "your mind by signing in again.",
            ),
        ],
    ),
    (
        "privacy-and-video.html",
        "Privacy: where your video is stored",
        [
            (
                "Encryption",
                "Video is encrypted on the camera with AES-128 before it is uploaded, and stored encrypted in data "
                "centres in the region you chose when you created your account (US or EU).",
            ),
            (
                "Who can see your video",
                "Only members of your home can view video. Brightwave staff cannot view your video unless you "
                "share a specific clip with support.",
            ),
            (
                "Privacy mode",
                "Privacy mode turns the camera off and closes the lens shutter of the Cam 360. You can schedule "
                "it or turn it on automatically when you arrive home.",
            ),
        ],
    ),
    (
        "voice-assistants.md",
        "Using Brightwave with Alexa and Google Home",
        [
            (
                "Amazon Alexa",
                "Enable the Brightwave skill in the Alexa app and sign in with your Brightwave account. Then say "
                "'Alexa, discover devices'.",
            ),
            (
                "Google Home",
                "In the Google Home app tap Add > Works with Google and search for Brightwave. Camera live view "
                "works on Nest Hub displays.",
            ),
            (
                "Apple Home",
                "Apple HomeKit is not supported yet. The Hub H2 will get Matter support in a future firmware update.",
            ),
        ],
    ),
    (
        "sensor-s3-batteries.txt",
        "Replacing batteries in the Door Sensor S3",
        [
            (
                "Battery type and life",
                "The Door Sensor S3 uses one CR2032 coin cell battery that lasts about 2 years. The app warns you "
                "when the battery falls below 15%.",
            ),
            (
                "How to replace the battery",
                "Slide the sensor off its mounting plate, twist the back cover anticlockwise, and insert the new "
                "CR2032 battery with the plus side facing up. The sensor reconnects on its own.",
            ),
        ],
    ),
    (
        "device-offline.md",
        "A device shows as offline",
        [
            (
                "Common causes",
                "A device shows offline in the app when it has not contacted Brightwave for more than 10 minutes. "
                "Usually the Wi-Fi router restarted, the device lost power, or the Wi-Fi password changed.",
            ),
            (
                "What to try",
                "Restart your router and the device. If you changed your Wi-Fi name or password, go to Device "
                "settings > Network > Change Wi-Fi. Sensors that connect through the Hub H2 go offline when the "
                "hub is offline.",
            ),
            (
                "Service status",
                "Check status.brightwave.example for outages before troubleshooting further.",
            ),
        ],
    ),
    (
        "factory-reset.md",
        "Factory resetting a device",
        [
            (
                "Before you reset",
                "A factory reset erases the device's settings and removes it from your home. Remove the device in "
                "the app first so that it can be set up again by someone else.",
            ),
            (
                "Reset buttons",
                "Hub H2: hold the button on the back for 15 seconds until the ring light flashes red. Cam 360: "
                "hold the reset button for 10 seconds. Doorbell D1: hold the orange button for 20 seconds. "
                "Thermo T5: Settings > Reset > Factory reset on the thermostat screen.",
            ),
        ],
    ),
    (
        "notifications.md",
        "Notifications are not arriving",
        [
            (
                "Check phone settings",
                "Make sure notifications are allowed for the Brightwave app in your phone settings, and that "
                "battery saver or Do Not Disturb is not blocking them.",
            ),
            (
                "Check app settings",
                "In the app go to Account > Notifications and check that each device has notifications turned on. "
                "Notifications are rate-limited to one per device every 60 seconds to avoid floods.",
            ),
            (
                "Still nothing",
                "Sign out and back in to refresh the notification token for your phone.",
            ),
        ],
    ),
    (
        "away-mode-geofencing.md",
        "Away mode and geofencing",
        [
            (
                "Away mode",
                "Away mode arms cameras and sensors and lowers the heating when nobody is home. Switch it on from "
                "the home screen or let geofencing do it.",
            ),
            (
                "Geofencing",
                "Geofencing uses your phone's location to switch to Away mode when the last member leaves a "
                "radius of 200 metres around your home, and back to Home mode when someone returns. Location "
                "access must be set to Always.",
            ),
        ],
    ),
    (
        "motion-zones.md",
        "Motion zones and sensitivity",
        [
            (
                "Motion zones",
                "Draw up to 4 motion zones per camera under Camera settings > Motion > Zones. Motion outside the "
                "zones does not trigger alerts or recordings.",
            ),
            (
                "Sensitivity",
                "Lower the sensitivity if trees or passing cars cause false alerts. Person detection, part of "
                "Brightwave Plus Premium, only alerts you when a person is seen.",
            ),
        ],
    ),
    (
        "developer-api.txt",
        "Developer API tokens and error E-7429",
        [
            (
                "Personal access tokens",
                "Create a personal access token under Account > Developer > Tokens. Tokens are shown once; store "
                "them safely. The REST API base URL is https://api.brightwave.example/v2.",
            ),
            (
                "Error E-7429: rate limit exceeded",
                "Error E-7429 means your token made more than 120 API requests in one minute. Wait 60 seconds and "
                "retry with exponential backoff; the Retry-After header says how long to wait.",
            ),
        ],
    ),
]

# The PDF: a printed quick-start leaflet.
PDF_ARTICLE = (
    "leak-sensor-l2-quick-start.pdf",
    "Leak Sensor L2 quick start guide",
    [
        (
            "Install",
            "Place the Leak Sensor L2 on the floor next to your washing machine, water heater or under the sink. "
            "The metal probes on the bottom must touch the floor.",
        ),
        (
            "Pair",
            "Pull the battery tab, then in the Brightwave app tap Add device > Leak Sensor L2. The sensor pairs "
            "with the Hub H2 within 30 seconds.",
        ),
        (
            "Alarm",
            "When water touches the probes the sensor sounds an 85 dB alarm and sends a push notification. "
            "Dry the probes to stop the alarm. The AAA batteries last about 3 years.",
        ),
    ],
)

FAQ = [
    (
        "Does Brightwave work without internet?",
        "Cameras keep recording to the microSD card and the Hub H2 runs "
        "local automations, but the app cannot reach your devices until the internet connection is back.",
    ),
    (
        "Can I use Brightwave in several homes?",
        "Yes. One account can have up to 5 homes; switch between them from the home name at the top of the app.",
    ),
    ("Which phones are supported?", "The Brightwave app needs iOS 16 or later, or Android 11 or later."),
    (
        "Is there a monthly fee?",
        "No. Devices work without a subscription. Brightwave Plus adds video history "
        "and smart detection for a monthly fee.",
    ),
    (
        "How do I contact support?",
        "Use chat in the app under Help, or call 1-800-555-0199 from 8:00 to 20:00 Eastern Time, Monday to Saturday.",
    ),
    ("Can I use the Cam 360 outdoors?", "No. The Cam 360 is for indoor use only; it is not weatherproof."),
    ("Do you offer a student discount?", "Yes, verified students get 15% off devices on brightwave.example."),
    (
        "How do I change the time zone of my home?",
        "Go to Home settings > Location and pick the time zone; schedules follow the new time zone from the next day.",
    ),
    (
        "What is the Matter release date?",
        "Matter support for the Hub H2 is planned for a firmware update; no date has been announced.",
    ),
    ("How many devices can the Hub H2 handle?", "The Hub H2 supports up to 64 sensors and 16 cameras."),
    ("Can I rename a device?", "Yes. Open the device, tap the gear icon, then Name."),
    (
        "Do devices work during a power cut?",
        "Battery devices such as the Doorbell D1 and Door Sensor S3 keep "
        "working; plug-in devices stop until power returns.",
    ),
]

# Chinese translations of a few articles (kb_zh/): a help center that has Chinese passages for Chinese
# questions. `name.zh.md` is the translation of `name.md` (the same article for the evaluation).
ZH_ARTICLES = [
    (
        "reset-password.zh.md",
        "重置账户密码",
        [
            (
                "忘记密码",
                "在 Brightwave 应用的登录界面点击“忘记密码”，输入您账户的电子邮箱地址。我们会发送一个 30 分钟内有效的"
                "重置链接。请在手机上打开该链接，设置一个至少 10 个字符的新密码。",
            ),
            (
                "收不到重置邮件",
                "请检查垃圾邮件文件夹，并确认您输入的是注册时使用的电子邮箱。2 分钟后可以重新申请链接。"
                "一小时内申请 5 次后，"
                "账户会因安全原因被暂时锁定；请等待一小时后再试。",
            ),
            (
                "登录状态下修改密码",
                "进入 账户 > 安全 > 修改密码。修改密码后，您在其他手机和平板上的登录都会退出。",
            ),
        ],
    ),
    (
        "device-offline.zh.md",
        "设备显示离线",
        [
            (
                "常见原因",
                "设备超过 10 分钟没有连接 Brightwave 时，应用中会显示离线。通常是 Wi-Fi 路由器重启、设备断电，"
                "或者 Wi-Fi 密码已更改。",
            ),
            (
                "可以尝试的办法",
                "重启路由器和设备。如果您更改了 Wi-Fi 名称或密码，请进入 设备设置 > 网络 > 更改 Wi-Fi。通过 Hub H2 "
                "连接的传感器会在网关离线时一起离线。",
            ),
            (
                "服务状态",
                "在进一步排查之前，请先查看 status.brightwave.example 是否有服务中断。",
            ),
        ],
    ),
    (
        "brightwave-plus-plans.zh.md",
        "Brightwave Plus 订阅方案",
        [
            (
                "取消或更改方案",
                "进入 账户 > 订阅 即可升级、降级或取消方案。取消将在当前计费周期结束时生效，在此之前您仍可继续使用。",
            ),
        ],
    ),
]
