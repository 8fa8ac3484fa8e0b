<?php
declare(strict_types = 1);

return [
    'headers' => [
        'content-type' => [
            'text/html; charset=utf-8',
            'text/html; charset=utf-8',
            'text/html; charset=utf-8',
            'application/json; charset=utf-8'
        ],
        'location' => [
            'https://api.instagram.com/publicapi/oembed/?url=https%3A%2F%2Fwww.instagram.com%2Fp%2FySl7G9tO_q%2F&format=json',
            'https://www.instagram.com/publicapi/oembed/?url=https://www.instagram.com/p/ySl7G9tO_q/&format=json',
            'https://api.instagram.com/oembed/?url=https://www.instagram.com/p/ySl7G9tO_q/&format=json'
        ],
        'vary' => [
            'Accept-Language, Cookie',
            'Accept-Language',
            'Accept-Language',
            'Accept-Language, Cookie, Accept-Encoding'
        ],
        'content-language' => [
            'en',
            'en',
            'en',
            'en'
        ],
        'date' => [
            'Wed, 20 May 2020 17:54:10 GMT',
            'Wed, 20 May 2020 17:54:10 GMT',
            'Wed, 20 May 2020 17:54:10 GMT  HTTP/2 302',
            'Wed, 20 May 2020 17:54:10 GMT',
            'Wed, 20 May 2020 17:54:10 GMT',
            'Wed, 20 May 2020 17:54:10 GMT  HTTP/2 302',
            'Wed, 20 May 2020 17:54:10 GMT',
            'Wed, 20 May 2020 17:54:10 GMT',
            'Wed, 20 May 2020 17:54:10 GMT  HTTP/2 200',
            'Wed, 20 May 2020 17:54:10 GMT',
            'Wed, 20 May 2020 17:54:10 GMT',
            'Wed, 20 May 2020 17:54:11 GMT'
        ],
        'strict-transport-security' => [
            'max-age=31536000',
            'max-age=31536000',
            'max-age=31536000',
            'max-age=31536000'
        ],
        'cache-control' => [
            'private, no-cache, no-store, must-revalidate',
            'private, no-cache, no-store, must-revalidate',
            'private, no-cache, no-store, must-revalidate',
            'private, no-cache, no-store, must-revalidate'
        ],
        'pragma' => [
            'no-cache',
            'no-cache',
            'no-cache',
            'no-cache'
        ],
        'expires' => [
            'Sat, 01 Jan 2000 00:00:00 GMT',
            'Sat, 01 Jan 2000 00:00:00 GMT',
            'Sat, 01 Jan 2000 00:00:00 GMT',
            'Sat, 01 Jan 2000 00:00:00 GMT'
        ],
        'x-frame-options' => [
            'SAMEORIGIN',
            'SAMEORIGIN',
            'SAMEORIGIN',
            'SAMEORIGIN'
        ],
        'content-security-policy' => [
            'report-uri https://www.instagram.com/security/csp_report/; default-src \'self\' https://www.instagram.com; img-src https: data: blob:; font-src https: data:; media-src \'self\' blob: https://www.instagram.com https://*.cdninstagram.com https://*.fbcdn.net; manifest-src \'self\' https://www.instagram.com; script-src \'self\' https://instagram.com https://www.instagram.com https://*.www.instagram.com https://*.cdninstagram.com wss://www.instagram.com https://*.facebook.com https://*.fbcdn.net https://*.facebook.net \'unsafe-inline\' \'unsafe-eval\' blob:; style-src \'self\' https://*.www.instagram.com https://www.instagram.com \'unsafe-inline\'; connect-src \'self\' https://instagram.com https://www.instagram.com https://*.www.instagram.com https://graph.instagram.com https://*.graph.instagram.com https://*.cdninstagram.com https://api.instagram.com https://i.instagram.com wss://www.instagram.com wss://edge-chat.instagram.com https://*.facebook.com https://*.fbcdn.net https://*.facebook.net chrome-extension://boadgeojelhgndaghljhdicfkmllpafd blob:; worker-src \'self\' blob: https://www.instagram.com; frame-src \'self\' https://instagram.com https://www.instagram.com https://staticxx.facebook.com https://www.facebook.com https://web.facebook.com https://connect.facebook.net https://m.facebook.com; object-src \'none\'; upgrade-insecure-requests',
            'report-uri https://www.instagram.com/security/csp_report/; default-src \'self\' https://www.instagram.com; img-src https: data: blob:; font-src https: data:; media-src \'self\' blob: https://www.instagram.com https://*.cdninstagram.com https://*.fbcdn.net; manifest-src \'self\' https://www.instagram.com; script-src \'self\' https://instagram.com https://www.instagram.com https://*.www.instagram.com https://*.cdninstagram.com wss://www.instagram.com https://*.facebook.com https://*.fbcdn.net https://*.facebook.net \'unsafe-inline\' \'unsafe-eval\' blob:; style-src \'self\' https://*.www.instagram.com https://www.instagram.com \'unsafe-inline\'; connect-src \'self\' https://instagram.com https://www.instagram.com https://*.www.instagram.com https://graph.instagram.com https://*.graph.instagram.com https://*.cdninstagram.com https://api.instagram.com https://i.instagram.com wss://www.instagram.com wss://edge-chat.instagram.com https://*.facebook.com https://*.fbcdn.net https://*.facebook.net chrome-extension://boadgeojelhgndaghljhdicfkmllpafd blob:; worker-src \'self\' blob: https://www.instagram.com; frame-src \'self\' https://instagram.com https://www.instagram.com https://staticxx.facebook.com https://www.facebook.com https://web.facebook.com https://connect.facebook.net https://m.facebook.com; object-src \'none\'; upgrade-insecure-requests',
            'report-uri https://www.instagram.com/security/csp_report/; default-src \'self\' https://www.instagram.com; img-src https: data: blob:; font-src https: data:; media-src \'self\' blob: https://www.instagram.com https://*.cdninstagram.com https://*.fbcdn.net; manifest-src \'self\' https://www.instagram.com; script-src \'self\' https://instagram.com https://www.instagram.com https://*.www.instagram.com https://*.cdninstagram.com wss://www.instagram.com https://*.facebook.com https://*.fbcdn.net https://*.facebook.net \'unsafe-inline\' \'unsafe-eval\' blob:; style-src \'self\' https://*.www.instagram.com https://www.instagram.com \'unsafe-inline\'; connect-src \'self\' https://instagram.com https://www.instagram.com https://*.www.instagram.com https://graph.instagram.com https://*.graph.instagram.com https://*.cdninstagram.com https://api.instagram.com https://i.instagram.com wss://www.instagram.com wss://edge-chat.instagram.com https://*.facebook.com https://*.fbcdn.net https://*.facebook.net chrome-extension://boadgeojelhgndaghljhdicfkmllpafd blob:; worker-src \'self\' blob: https://www.instagram.com; frame-src \'self\' https://instagram.com https://www.instagram.com https://staticxx.facebook.com https://www.facebook.com https://web.facebook.com https://connect.facebook.net https://m.facebook.com; object-src \'none\'; upgrade-insecure-requests',
            'report-uri https://www.instagram.com/security/csp_report/; default-src \'self\' https://www.instagram.com; img-src https: data: blob:; font-src https: data:; media-src \'self\' blob: https://www.instagram.com https://*.cdninstagram.com https://*.fbcdn.net; manifest-src \'self\' https://www.instagram.com; script-src \'self\' https://instagram.com https://www.instagram.com https://*.www.instagram.com https://*.cdninstagram.com wss://www.instagram.com https://*.facebook.com https://*.fbcdn.net https://*.facebook.net \'unsafe-inline\' \'unsafe-eval\' blob:; style-src \'self\' https://*.www.instagram.com https://www.instagram.com \'unsafe-inline\'; connect-src \'self\' https://instagram.com https://www.instagram.com https://*.www.instagram.com https://graph.instagram.com https://*.graph.instagram.com https://*.cdninstagram.com https://api.instagram.com https://i.instagram.com wss://www.instagram.com wss://edge-chat.instagram.com https://*.facebook.com https://*.fbcdn.net https://*.facebook.net chrome-extension://boadgeojelhgndaghljhdicfkmllpafd blob:; worker-src \'self\' blob: https://www.instagram.com; frame-src \'self\' https://instagram.com https://www.instagram.com https://staticxx.facebook.com https://www.facebook.com https://web.facebook.com https://connect.facebook.net https://m.facebook.com; object-src \'none\'; upgrade-insecure-requests'
        ],
        'x-content-type-options' => [
            'nosniff',
            'nosniff',
            'nosniff',
            'nosniff'
        ],
        'x-xss-protection' => [
            '0',
            '0',
            '0',
            '0'
        ],
        'x-aed' => [
            '15',
            '15',
            '15',
            '15'
        ],
        'access-control-expose-headers' => [
            'X-IG-Set-WWW-Claim',
            'X-IG-Set-WWW-Claim',
            'X-IG-Set-WWW-Claim',
            'X-IG-Set-WWW-Claim'
        ],
        'content-length' => [
            '0',
            '0',
            '0',
            '2836'
        ],
        'x-fb-trip-id' => [
            '664085054',
            '664085054',
            '1679558926',
            '664085054'
        ],
        'x-ig-deployment-stage' => [
            'c1'
        ],
        'access-control-allow-credentials' => [
            'true'
        ],
        'content-encoding' => [
            'gzip'
        ],
        'Content-Location' => [
            'https://api.instagram.com/oembed/?url=https://www.instagram.com/p/ySl7G9tO_q/&format=json'
        ],
        'X-Request-Time' => [
            '0.907 ms'
        ]
    ],
    'statusCode' => 200,
    'reasonPhrase' => 'OK',
    'body' => '{"version": "1.0", "title": "Se va llenando el lugar donde Tsipras dar\\u00e1 su mitin. A\\u00fan pendientes de si Syriza logra la mayor\\u00eda absoluta, pero ya seguros de la victoria de la izquierda.", "author_name": "agarzoniu", "author_url": "https://www.instagram.com/agarzoniu", "author_id": 1647098386, "media_id": "905953264702648298_1647098386", "provider_name": "Instagram", "provider_url": "https://www.instagram.com", "type": "rich", "width": 658, "height": null, "html": "\\u003cblockquote class=\\"instagram-media\\" data-instgrm-captioned data-instgrm-permalink=\\"https://www.instagram.com/p/ySl7G9tO_q/?utm_source=ig_embed\\u0026amp;utm_campaign=loading\\" data-instgrm-version=\\"12\\" style=\\" background:#FFF; border:0; border-radius:3px; box-shadow:0 0 1px 0 rgba(0,0,0,0.5),0 1px 10px 0 rgba(0,0,0,0.15); margin: 1px; max-width:658px; min-width:326px; padding:0; width:99.375%; width:-webkit-calc(100% - 2px); width:calc(100% - 2px);\\"\\u003e\\u003cdiv style=\\"padding:16px;\\"\\u003e \\u003ca href=\\"https://www.instagram.com/p/ySl7G9tO_q/?utm_source=ig_embed\\u0026amp;utm_campaign=loading\\" style=\\" background:#FFFFFF; line-height:0; padding:0 0; text-align:center; text-decoration:none; width:100%;\\" target=\\"_blank\\"\\u003e \\u003cdiv style=\\" display: flex; flex-direction: row; align-items: center;\\"\\u003e \\u003cdiv style=\\"background-color: #F4F4F4; border-radius: 50%; flex-grow: 0; height: 40px; margin-right: 14px; width: 40px;\\"\\u003e\\u003c/div\\u003e \\u003cdiv style=\\"display: flex; flex-direction: column; flex-grow: 1; justify-content: center;\\"\\u003e \\u003cdiv style=\\" background-color: #F4F4F4; border-radius: 4px; flex-grow: 0; height: 14px; margin-bottom: 6px; width: 100px;\\"\\u003e\\u003c/div\\u003e \\u003cdiv style=\\" background-color: #F4F4F4; border-radius: 4px; flex-grow: 0; height: 14px; width: 60px;\\"\\u003e\\u003c/div\\u003e\\u003c/div\\u003e\\u003c/div\\u003e\\u003cdiv style=\\"padding: 19% 0;\\"\\u003e\\u003c/div\\u003e \\u003cdiv style=\\"display:block; height:50px; margin:0 auto 12px; width:50px;\\"\\u003e\\u003csvg width=\\"50px\\" height=\\"50px\\" viewBox=\\"0 0 60 60\\" version=\\"1.1\\" xmlns=\\"https://www.w3.org/2000/svg\\" xmlns:xlink=\\"https://www.w3.org/1999/xlink\\"\\u003e\\u003cg stroke=\\"none\\" stroke-width=\\"1\\" fill=\\"none\\" fill-rule=\\"evenodd\\"\\u003e\\u003cg transform=\\"translate(-511.000000, -20.000000)\\" fill=\\"#000000\\"\\u003e\\u003cg\\u003e\\u003cpath d=\\"M556.869,30.41 C554.814,30.41 553.148,32.076 553.148,34.131 C553.148,36.186 554.814,37.852 556.869,37.852 C558.924,37.852 560.59,36.186 560.59,34.131 C560.59,32.076 558.924,30.41 556.869,30.41 M541,60.657 C535.114,60.657 530.342,55.887 530.342,50 C530.342,44.114 535.114,39.342 541,39.342 C546.887,39.342 551.658,44.114 551.658,50 C551.658,55.887 546.887,60.657 541,60.657 M541,33.886 C532.1,33.886 524.886,41.1 524.886,50 C524.886,58.899 532.1,66.113 541,66.113 C549.9,66.113 557.115,58.899 557.115,50 C557.115,41.1 549.9,33.886 541,33.886 M565.378,62.101 C565.244,65.022 564.756,66.606 564.346,67.663 C563.803,69.06 563.154,70.057 562.106,71.106 C561.058,72.155 560.06,72.803 558.662,73.347 C557.607,73.757 556.021,74.244 553.102,74.378 C549.944,74.521 548.997,74.552 541,74.552 C533.003,74.552 532.056,74.521 528.898,74.378 C525.979,74.244 524.393,73.757 523.338,73.347 C521.94,72.803 520.942,72.155 519.894,71.106 C518.846,70.057 518.197,69.06 517.654,67.663 C517.244,66.606 516.755,65.022 516.623,62.101 C516.479,58.943 516.448,57.996 516.448,50 C516.448,42.003 516.479,41.056 516.623,37.899 C516.755,34.978 517.244,33.391 517.654,32.338 C518.197,30.938 518.846,29.942 519.894,28.894 C520.942,27.846 521.94,27.196 523.338,26.654 C524.393,26.244 525.979,25.756 528.898,25.623 C532.057,25.479 533.004,25.448 541,25.448 C548.997,25.448 549.943,25.479 553.102,25.623 C556.021,25.756 557.607,26.244 558.662,26.654 C560.06,27.196 561.058,27.846 562.106,28.894 C563.154,29.942 563.803,30.938 564.346,32.338 C564.756,33.391 565.244,34.978 565.378,37.899 C565.522,41.056 565.552,42.003 565.552,50 C565.552,57.996 565.522,58.943 565.378,62.101 M570.82,37.631 C570.674,34.438 570.167,32.258 569.425,30.349 C568.659,28.377 567.633,26.702 565.965,25.035 C564.297,23.368 562.623,22.342 560.652,21.575 C558.743,20.834 556.562,20.326 553.369,20.18 C550.169,20.033 549.148,20 541,20 C532.853,20 531.831,20.033 528.631,20.18 C525.438,20.326 523.257,20.834 521.349,21.575 C519.376,22.342 517.703,23.368 516.035,25.035 C514.368,26.702 513.342,28.377 512.574,30.349 C511.834,32.258 511.326,34.438 511.181,37.631 C511.035,40.831 511,41.851 511,50 C511,58.147 511.035,59.17 511.181,62.369 C511.326,65.562 511.834,67.743 512.574,69.651 C513.342,71.625 514.368,73.296 516.035,74.965 C517.703,76.634 519.376,77.658 521.349,78.425 C523.257,79.167 525.438,79.673 528.631,79.82 C531.831,79.965 532.853,80.001 541,80.001 C549.148,80.001 550.169,79.965 553.369,79.82 C556.562,79.673 558.743,79.167 560.652,78.425 C562.623,77.658 564.297,76.634 565.965,74.965 C567.633,73.296 568.659,71.625 569.425,69.651 C570.167,67.743 570.674,65.562 570.82,62.369 C570.966,59.17 571,58.147 571,50 C571,41.851 570.966,40.831 570.82,37.631\\"\\u003e\\u003c/path\\u003e\\u003c/g\\u003e\\u003c/g\\u003e\\u003c/g\\u003e\\u003c/svg\\u003e\\u003c/div\\u003e\\u003cdiv style=\\"padding-top: 8px;\\"\\u003e \\u003cdiv style=\\" color:#3897f0; font-family:Arial,sans-serif; font-size:14px; font-style:normal; font-weight:550; line-height:18px;\\"\\u003e View this post on Instagram\\u003c/div\\u003e\\u003c/div\\u003e\\u003cdiv style=\\"padding: 12.5% 0;\\"\\u003e\\u003c/div\\u003e \\u003cdiv style=\\"display: flex; flex-direction: row; margin-bottom: 14px; align-items: center;\\"\\u003e\\u003cdiv\\u003e \\u003cdiv style=\\"background-color: #F4F4F4; border-radius: 50%; height: 12.5px; width: 12.5px; transform: translateX(0px) translateY(7px);\\"\\u003e\\u003c/div\\u003e \\u003cdiv style=\\"background-color: #F4F4F4; height: 12.5px; transform: rotate(-45deg) translateX(3px) translateY(1px); width: 12.5px; flex-grow: 0; margin-right: 14px; margin-left: 2px;\\"\\u003e\\u003c/div\\u003e \\u003cdiv style=\\"background-color: #F4F4F4; border-radius: 50%; height: 12.5px; width: 12.5px; transform: translateX(9px) translateY(-18px);\\"\\u003e\\u003c/div\\u003e\\u003c/div\\u003e\\u003cdiv style=\\"margin-left: 8px;\\"\\u003e \\u003cdiv style=\\" background-color: #F4F4F4; border-radius: 50%; flex-grow: 0; height: 20px; width: 20px;\\"\\u003e\\u003c/div\\u003e \\u003cdiv style=\\" width: 0; height: 0; border-top: 2px solid transparent; border-left: 6px solid #f4f4f4; border-bottom: 2px solid transparent; transform: translateX(16px) translateY(-4px) rotate(30deg)\\"\\u003e\\u003c/div\\u003e\\u003c/div\\u003e\\u003cdiv style=\\"margin-left: auto;\\"\\u003e \\u003cdiv style=\\" width: 0px; border-top: 8px solid #F4F4F4; border-right: 8px solid transparent; transform: translateY(16px);\\"\\u003e\\u003c/div\\u003e \\u003cdiv style=\\" background-color: #F4F4F4; flex-grow: 0; height: 12px; width: 16px; transform: translateY(-4px);\\"\\u003e\\u003c/div\\u003e \\u003cdiv style=\\" width: 0; height: 0; border-top: 8px solid #F4F4F4; border-left: 8px solid transparent; transform: translateY(-4px) translateX(8px);\\"\\u003e\\u003c/div\\u003e\\u003c/div\\u003e\\u003c/div\\u003e\\u003c/a\\u003e \\u003cp style=\\" margin:8px 0 0 0; padding:0 4px;\\"\\u003e \\u003ca href=\\"https://www.instagram.com/p/ySl7G9tO_q/?utm_source=ig_embed\\u0026amp;utm_campaign=loading\\" style=\\" color:#000; font-family:Arial,sans-serif; font-size:14px; font-style:normal; font-weight:normal; line-height:17px; text-decoration:none; word-wrap:break-word;\\" target=\\"_blank\\"\\u003eSe va llenando el lugar donde Tsipras dar\\u00e1 su mitin. A\\u00fan pendientes de si Syriza logra la mayor\\u00eda absoluta, pero ya seguros de la victoria de la izquierda.\\u003c/a\\u003e\\u003c/p\\u003e \\u003cp style=\\" color:#c9c8cd; font-family:Arial,sans-serif; font-size:14px; line-height:17px; margin-bottom:0; margin-top:8px; overflow:hidden; padding:8px 0 7px; text-align:center; text-overflow:ellipsis; white-space:nowrap;\\"\\u003eA post shared by \\u003ca href=\\"https://www.instagram.com/agarzoniu/?utm_source=ig_embed\\u0026amp;utm_campaign=loading\\" style=\\" color:#c9c8cd; font-family:Arial,sans-serif; font-size:14px; font-style:normal; font-weight:normal; line-height:17px;\\" target=\\"_blank\\"\\u003e Alberto Garz\\u00f3n\\u003c/a\\u003e (@agarzoniu) on \\u003ctime style=\\" font-family:Arial,sans-serif; font-size:14px; line-height:17px;\\" datetime=\\"2015-01-25T20:34:26+00:00\\"\\u003eJan 25, 2015 at 12:34pm PST\\u003c/time\\u003e\\u003c/p\\u003e\\u003c/div\\u003e\\u003c/blockquote\\u003e\\n\\u003cscript async src=\\"//www.instagram.com/embed.js\\"\\u003e\\u003c/script\\u003e", "thumbnail_url": "https://instagram.fmad7-1.fna.fbcdn.net/v/t51.2885-15/e15/10948350_1537839273135776_400653032_n.jpg?_nc_ht=instagram.fmad7-1.fna.fbcdn.net\\u0026_nc_cat=108\\u0026_nc_ohc=6ciqMJFONRsAX_4m7SN\\u0026oh=292e61e54d6a0617a60bea677170d4d1\\u0026oe=5EEFE649", "thumbnail_width": 640, "thumbnail_height": 640}'
];
