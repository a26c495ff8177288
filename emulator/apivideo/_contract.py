"""GENERATED from fixtures/apivideo/raw-statistics.openapi.yaml (code samples removed).

The pinned vendor contract, embedded so the installed package needs no data file.
Regenerate: python tests/apivideo/apivideo_contract.py (a test checks it matches the fixture).
"""
import json

CONTRACT = json.loads(r"""
{
 "paths": {
  "/auth/api-key": {
   "post": {
    "tags": [
     "Advanced authentication"
    ],
    "summary": "Get Bearer Token",
    "description": "Returns a bearer token that can be used to authenticate other endpoint.\n\nYou can find the tutorial on using the disposable bearer token [here](https://docs.api.video/reference/disposable-bearer-token-authentication).",
    "operationId": "POST_auth-api-key",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/authenticate-payload"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "Success",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/access-token"
        },
        "examples": {
         "response": {
          "value": {
           "token_type": "Bearer",
           "expires_in": 3600,
           "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImp0aSI6IjUyZWM4NWUyMjFkODZjOWI0NDQ5NzBhMjQwMzUyOWQ4MDQyNGQ3ZmJjYjFlYWM2MjVlM2VkMjI2YWRlNTcxMDY2NDUyZDc0NjdhN2E4NjI0In0.eyJhdWQiOiJsaWJjYXN0IiwianRpIjoiNTJlYzg1ZTIyMWQ4NmM5YjQ0NDk3MGEyNDAzNTI5ZDgwNDI0ZDdmYmNiMWVhYzYyNWUzZWQyMjZhZGU1NzEwNjY0NTJkNzQ2N2E3YTg2MjQiLCJpYXQiOjE1MjUyNzYxNDcsIm5iZiI6MTUyNTI3NjE0NywiZXhwIjoxNTI1Mjc5NzQ3LCJzdWIiOiJ1c01vbml0b3IiLCJzY29wZXMiOlsibW9uaXRvci5saWJjYXN0LmNvbSJdLCJjb250ZXh0Ijp7InVzZXIiOiJ1c01vbml0b3IiLCJwcm9qZWN0IjoicHJNb25pdG9yIiwibWVtYmVyIjoibWVNb25pdG9yIn19.rUvishDNyJLNlI4W5VmguNecm5KD2uZgPkKJQbaqw-cJbSrVxkSbiKYtk_E3cz3WT7-IS2yFTsYN3uIo5Rbit8_HftweyEp2bdBRI8yjR6oZZ1sNJJXswISN1i2kk4r-aaxu7Xxf_LtsjOMUj_YZsvcc2nqBXPKjHbJCJryx3DDJaIcymOqao7nhQaCCQyrQooAXNTYs4E9fWN1dC_x2O-zok5TuG-xhEW-umwxfSUMWNgSTkz38ACceQ0PCJSgB3jqjDH4MwC7B3ppEPZuK5E6JhKeyRlalswRyYq3UQPnVeMTam7YQHsuTgbehF6WySW8i44o7V_MCe9hjPdp-WA",
           "refresh_token": "def50200a28d88fb9aaa921be78eeb5604b071101a334899a7d5fc7492cf8ea752962ddc8961fe5c126101d4ecacd980396eb2fd494995b812dffcb98256c4277f790d1f658fc2d2e34f350740544e5232d69d68d34c648271d706c5e7049adac0b1832d0fdf71809715cc7e97fa63f65966deadb501a55ff469b0fd23a637cb6acbe9d9b8594a17f09efc2efeed82984764a0065d5e29c950c7b081a61ba2aaa192be3085c400ee37eac50fa9320ce2cfe8916c8165418d23e9f91b6a5c8515e1d74ee193a5a1ca01954fbff27361c20184240be2359e0afbed0bf1c762cf872450b5e8b5d4704f4fd9583e4470adc98409dd42965709712806bd9019378a72eea0b4912ce684ffd833db5806ab84174f905db2a75380071d004615c944bb8f8c4045cce7234c2be9a2330522cf7f067b8e58f57cffb6edb4b7ef91313e12bcde47e5e76ceee7fa52990132288f345d33ed917ae4fd54b7284f8964d898e97e1ee3bc4157f75d7fee63976e4be66ac1ec32ef74afa533f0eb593523f226cbec57d196ac8962"
          }
         }
        }
       }
      }
     },
     "400": {
      "description": "Bad Request",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/bad-request"
        },
        "examples": {
         "response": {
          "value": {
           "type": "https://docs.api.video/docs/authenticationinvalid_credentials",
           "title": "The user credentials were incorrect.",
           "name": "",
           "status": 400
          }
         }
        }
       }
      }
     }
    },
    "x-client-action": "authenticate",
    "x-client-hidden": true
   }
  },
  "/auth/refresh": {
   "post": {
    "tags": [
     "Advanced authentication"
    ],
    "summary": "Refresh Bearer Token",
    "description": "Accepts the old bearer token and returns a new bearer token that can be used to authenticate other endpoint.\n\nYou can find the tutorial on using the disposable bearer token [here](https://docs.api.video/reference/disposable-bearer-token-authentication).",
    "operationId": "POST_auth-refresh",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/refresh-token-payload"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "Success",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/access-token"
        },
        "examples": {
         "response": {
          "value": {
           "token_type": "Bearer",
           "expires_in": 3600,
           "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImp0aSI6IjUyZWM4NWUyMjFkODZjOWI0NDQ5NzBhMjQwMzUyOWQ4MDQyNGQ3ZmJjYjFlYWM2MjVlM2VkMjI2YWRlNTcxMDY2NDUyZDc0NjdhN2E4NjI0In0.eyJhdWQiOiJsaWJjYXN0IiwianRpIjoiNTJlYzg1ZTIyMWQ4NmM5YjQ0NDk3MGEyNDAzNTI5ZDgwNDI0ZDdmYmNiMWVhYzYyNWUzZWQyMjZhZGU1NzEwNjY0NTJkNzQ2N2E3YTg2MjQiLCJpYXQiOjE1MjUyNzYxNDcsIm5iZiI6MTUyNTI3NjE0NywiZXhwIjoxNTI1Mjc5NzQ3LCJzdWIiOiJ1c01vbml0b3IiLCJzY29wZXMiOlsibW9uaXRvci5saWJjYXN0LmNvbSJdLCJjb250ZXh0Ijp7InVzZXIiOiJ1c01vbml0b3IiLCJwcm9qZWN0IjoicHJNb25pdG9yIiwibWVtYmVyIjoibWVNb25pdG9yIn19.rUvishDNyJLNlI4W5VmguNecm5KD2uZgPkKJQbaqw-cJbSrVxkSbiKYtk_E3cz3WT7-IS2yFTsYN3uIo5Rbit8_HftweyEp2bdBRI8yjR6oZZ1sNJJXswISN1i2kk4r-aaxu7Xxf_LtsjOMUj_YZsvcc2nqBXPKjHbJCJryx3DDJaIcymOqao7nhQaCCQyrQooAXNTYs4E9fWN1dC_x2O-zok5TuG-xhEW-umwxfSUMWNgSTkz38ACceQ0PCJSgB3jqjDH4MwC7B3ppEPZuK5E6JhKeyRlalswRyYq3UQPnVeMTam7YQHsuTgbehF6WySW8i44o7V_MCe9hjPdp-WA",
           "refresh_token": "def50200a28d88fb9aaa921be78eeb5604b071101a334899a7d5fc7492cf8ea752962ddc8961fe5c126101d4ecacd980396eb2fd494995b812dffcb98256c4277f790d1f658fc2d2e34f350740544e5232d69d68d34c648271d706c5e7049adac0b1832d0fdf71809715cc7e97fa63f65966deadb501a55ff469b0fd23a637cb6acbe9d9b8594a17f09efc2efeed82984764a0065d5e29c950c7b081a61ba2aaa192be3085c400ee37eac50fa9320ce2cfe8916c8165418d23e9f91b6a5c8515e1d74ee193a5a1ca01954fbff27361c20184240be2359e0afbed0bf1c762cf872450b5e8b5d4704f4fd9583e4470adc98409dd42965709712806bd9019378a72eea0b4912ce684ffd833db5806ab84174f905db2a75380071d004615c944bb8f8c4045cce7234c2be9a2330522cf7f067b8e58f57cffb6edb4b7ef91313e12bcde47e5e76ceee7fa52990132288f345d33ed917ae4fd54b7284f8964d898e97e1ee3bc4157f75d7fee63976e4be66ac1ec32ef74afa533f0eb593523f226cbec57d196ac8962"
          }
         }
        }
       }
      }
     },
     "400": {
      "description": "Bad Request",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/bad-request"
        },
        "examples": {
         "response": {
          "value": {
           "status": 400,
           "type": "https://docs.api.video/docs/authenticationinvalid_credentials",
           "title": "The user credentials were incorrect.",
           "name": ""
          }
         }
        }
       }
      }
     }
    },
    "x-client-action": "refresh",
    "x-client-hidden": true
   }
  },
  "/analytics/videos/{videoId}": {
   "get": {
    "tags": [
     "Raw statistics"
    ],
    "summary": "List video player sessions",
    "description": "Retrieve all available user sessions for a specific video. Tutorials that use the [analytics endpoint](https://api.video/blog/endpoints/analytics).",
    "operationId": "GET_analytics-videos-videoId",
    "parameters": [
     {
      "name": "videoId",
      "in": "path",
      "description": "The unique identifier for the video you want to retrieve session information for.",
      "required": true,
      "style": "simple",
      "explode": false,
      "schema": {
       "type": "string"
      },
      "example": "vi4k0jvEUuaTdRAEjQ4Prklg"
     },
     {
      "name": "period",
      "in": "query",
      "description": "Period must have one of the following formats: \n- For a day : 2018-01-01,\n- For a week: 2018-W01, \n- For a month: 2018-01\n- For a year: 2018\nFor a range period: \n-  Date range: 2018-01-01/2018-01-15\n",
      "required": true,
      "style": "form",
      "explode": true,
      "schema": {
       "type": "string",
       "format": "period"
      }
     },
     {
      "name": "metadata",
      "in": "query",
      "description": "Metadata and [Dynamic Metadata](https://api.video/blog/endpoints/dynamic-metadata) filter. Send an array of key value pairs you want to filter sessios with.",
      "required": false,
      "style": "deepObject",
      "x-is-deep-object": true,
      "explode": true,
      "schema": {
       "type": "object",
       "additionalProperties": {
        "type": "string"
       }
      },
      "example": "metadata[Author]=John Doe&metadata[Format]=Tutorial"
     },
     {
      "$ref": "#/components/parameters/current-page"
     },
     {
      "$ref": "#/components/parameters/page-size"
     }
    ],
    "responses": {
     "200": {
      "description": "Success",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/raw-statistics-list-sessions-response"
        },
        "examples": {
         "response": {
          "value": {
           "data": [
            {
             "session": {
              "sessionId": "psEmFwGQUAXR2lFHj5nDOpy",
              "loadedAt": "2019-06-24T11:45:01.109Z",
              "endedAt": "2019-06-24T11:49:19.243Z"
             },
             "location": {
              "country": "France",
              "city": "Paris"
             },
             "referrer": {
              "url": "https://api.video",
              "medium": "organic",
              "source": "https://google.com",
              "searchTerm": "video encoding hosting and delivery"
             },
             "device": {
              "type": "desktop",
              "vendor": "Dell",
              "model": "unknown"
             },
             "os": {
              "name": "Microsoft Windows",
              "shortname": "W10",
              "version": "Windows10"
             },
             "client": {
              "type": "browser",
              "name": "Firefox",
              "version": "67.0"
             }
            }
           ],
           "pagination": {
            "currentPage": 1,
            "currentPageItems": 1,
            "pageSize": 25,
            "pagesTotal": 1,
            "itemsTotal": 1,
            "links": [
             {
              "rel": "self",
              "uri": "/analytics/sessions/psEmFwGQUAXR2lFHj5nDOpy?currentPage=1&pageSize=25"
             },
             {
              "rel": "first",
              "uri": "/analytics/sessions/psEmFwGQUAXR2lFHj5nDOpy?currentPage=1&pageSize=25"
             },
             {
              "rel": "last",
              "uri": "/analytics/sessions/psEmFwGQUAXR2lFHj5nDOpy?currentPage=1&pageSize=25"
             }
            ]
           }
          }
         }
        }
       }
      }
     },
     "404": {
      "description": "Not Found",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/not-found"
        },
        "examples": {
         "response": {
          "value": {
           "type": "https://docs.api.video/docs/resourcenot_found",
           "title": "The requested resource was not found.",
           "name": "videoId",
           "status": 404
          }
         }
        }
       }
      }
     }
    },
    "security": [
     {
      "apiKey": []
     }
    ],
    "x-client-action": "listVideoSessions",
    "x-group-parameters": true,
    "x-client-paginated": true
   }
  },
  "/analytics/live-streams/{liveStreamId}": {
   "get": {
    "tags": [
     "Raw statistics"
    ],
    "summary": "List live stream player sessions",
    "operationId": "GET_analytics-live-streams-liveStreamId",
    "parameters": [
     {
      "name": "liveStreamId",
      "in": "path",
      "description": "The unique identifier for the live stream you want to retrieve analytics for.",
      "required": true,
      "style": "simple",
      "explode": false,
      "schema": {
       "type": "string"
      },
      "example": "vi4k0jvEUuaTdRAEjQ4Jfrgz"
     },
     {
      "name": "period",
      "in": "query",
      "description": "Period must have one of the following formats: \n- For a day : \"2018-01-01\",\n- For a week: \"2018-W01\", \n- For a month: \"2018-01\"\n- For a year: \"2018\"\nFor a range period: \n-  Date range: \"2018-01-01/2018-01-15\"\n",
      "required": true,
      "style": "form",
      "explode": true,
      "schema": {
       "type": "string",
       "format": "period"
      },
      "example": "2019-01-01T00:00:00.000Z"
     },
     {
      "$ref": "#/components/parameters/current-page"
     },
     {
      "$ref": "#/components/parameters/page-size"
     }
    ],
    "responses": {
     "200": {
      "description": "Success",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/raw-statistics-list-live-stream-analytics-response"
        },
        "examples": {
         "response": {
          "value": {
           "data": [
            {
             "session": {
              "sessionId": "ps4zRWVOv2If2vzKJLMr3jQo",
              "loadedAt": "2018-09-11T13:04:37.890Z",
              "endedAt": "2018-09-11T14:47:22.186Z"
             },
             "location": {
              "country": "France",
              "city": "Paris"
             },
             "referrer": {
              "url": "unknown",
              "medium": "unknown",
              "source": "unknown",
              "searchTerm": "unknown"
             },
             "device": {
              "type": "desktop",
              "vendor": "unknown",
              "model": "unknown"
             },
             "os": {
              "name": "unknown",
              "shortname": "unknown",
              "version": "unknown"
             },
             "client": {
              "type": "browser",
              "name": "Firefox",
              "version": "61.0"
             }
            }
           ],
           "pagination": {
            "currentPage": 1,
            "currentPageItems": 1,
            "pageSize": 25,
            "pagesTotal": 1,
            "itemsTotal": 1,
            "links": [
             {
              "rel": "self",
              "uri": "/analytics/sessions/ps4zRWVOv2If2vzKJLMr3jQo?currentPage=1&pageSize=25"
             },
             {
              "rel": "first",
              "uri": "/analytics/sessions/ps4zRWVOv2If2vzKJLMr3jQo?currentPage=1&pageSize=25"
             },
             {
              "rel": "last",
              "uri": "/analytics/sessions/ps4zRWVOv2If2vzKJLMr3jQo?currentPage=1&pageSize=25"
             }
            ]
           }
          }
         }
        }
       }
      }
     },
     "404": {
      "description": "Not Found",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/not-found"
        },
        "examples": {
         "response": {
          "value": {
           "type": "https://docs.api.video/docs/resourcenot_found",
           "title": "The requested resource was not found.",
           "name": "liveStreamId",
           "status": 404
          }
         }
        }
       }
      }
     }
    },
    "security": [
     {
      "apiKey": []
     }
    ],
    "x-client-action": "listLiveStreamSessions",
    "x-group-parameters": true,
    "x-client-paginated": true
   }
  },
  "/analytics/sessions/{sessionId}/events": {
   "get": {
    "tags": [
     "Raw statistics"
    ],
    "summary": "List player session events",
    "description": "Useful to track and measure video's engagement.",
    "operationId": "GET_analytics-sessions-sessionId-events",
    "parameters": [
     {
      "name": "sessionId",
      "in": "path",
      "description": "A unique identifier you can use to reference and track a session with.",
      "required": true,
      "style": "simple",
      "explode": false,
      "schema": {
       "type": "string"
      },
      "example": "psEmFwGQUAXR2lFHj5nDOpy"
     },
     {
      "$ref": "#/components/parameters/current-page"
     },
     {
      "$ref": "#/components/parameters/page-size"
     }
    ],
    "responses": {
     "200": {
      "description": "Success",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/raw-statistics-list-player-session-events-response"
        },
        "examples": {
         "response": {
          "value": {
           "data": [
            {
             "type": "ready",
             "emittedAt": "2020-09-15T09:47:42.000Z",
             "at": 0
            },
            {
             "type": "play",
             "emittedAt": "2020-09-15T21:35:57.000Z",
             "at": 0
            },
            {
             "type": "pause",
             "emittedAt": "2020-09-15T21:36:05.000Z",
             "at": 7
            },
            {
             "type": "resume",
             "emittedAt": "2020-09-15T21:36:19.000Z",
             "at": 21
            },
            {
             "type": "seek.forward",
             "emittedAt": "2020-09-15T21:36:19.000Z",
             "from": 7,
             "to": 21
            },
            {
             "type": "end",
             "emittedAt": "2020-09-15T21:36:28.000Z",
             "at": 30
            },
            {
             "type": "play",
             "emittedAt": "2020-09-15T21:36:29.000Z",
             "at": 0
            },
            {
             "type": "seek.backward",
             "emittedAt": "2020-09-15T21:36:29.000Z",
             "from": 30,
             "to": 0
            },
            {
             "type": "pause",
             "emittedAt": "2020-09-15T21:36:29.000Z",
             "at": 21
            },
            {
             "type": "resume",
             "emittedAt": "2020-09-15T21:36:30.000Z",
             "at": 21
            },
            {
             "type": "seek.forward",
             "emittedAt": "2020-09-15T21:36:30.000Z",
             "from": 0,
             "to": 21
            },
            {
             "type": "pause",
             "emittedAt": "2020-09-15T21:36:33.000Z",
             "at": 20
            },
            {
             "type": "resume",
             "emittedAt": "2020-09-15T21:36:33.000Z",
             "at": 20
            },
            {
             "type": "seek.backward",
             "emittedAt": "2020-09-15T21:36:33.000Z",
             "from": 24,
             "to": 20
            },
            {
             "type": "pause",
             "emittedAt": "2020-09-15T21:36:39.000Z",
             "at": 17
            },
            {
             "type": "resume",
             "emittedAt": "2020-09-15T21:36:39.000Z",
             "at": 17
            },
            {
             "type": "seek.forward",
             "emittedAt": "2020-09-15T21:36:39.000Z",
             "from": 17,
             "to": 17
            },
            {
             "type": "pause",
             "emittedAt": "2020-09-15T21:36:41.000Z",
             "at": 19
            },
            {
             "type": "ready",
             "emittedAt": "2020-09-17T09:20:47.000Z",
             "at": 0
            },
            {
             "type": "ready",
             "emittedAt": "2020-09-17T09:41:01.000Z",
             "at": 0
            },
            {
             "type": "ready",
             "emittedAt": "2020-09-17T09:41:08.000Z",
             "at": 0
            },
            {
             "type": "play",
             "emittedAt": "2020-09-17T09:41:10.000Z",
             "at": 0
            },
            {
             "type": "pause",
             "emittedAt": "2020-09-17T09:41:12.000Z",
             "at": 1
            },
            {
             "type": "resume",
             "emittedAt": "2020-09-17T09:41:13.000Z",
             "at": 1
            },
            {
             "type": "pause",
             "emittedAt": "2020-09-17T09:41:15.000Z",
             "at": 3
            }
           ],
           "pagination": {
            "currentPage": 1,
            "currentPageItems": 25,
            "pageSize": 25,
            "pagesTotal": 2,
            "itemsTotal": 30,
            "links": [
             {
              "rel": "self",
              "uri": "/analytics/sessions/ps5ltuhfsTOeh6bP03Tq5OWc/events?currentPage=1&pageSize=25"
             },
             {
              "rel": "first",
              "uri": "/analytics/sessions/ps5ltuhfsTOeh6bP03Tq5OWc/events?currentPage=1&pageSize=25"
             },
             {
              "rel": "next",
              "uri": "/analytics/sessions/ps5ltuhfsTOeh6bP03Tq5OWc/events?currentPage=2&pageSize=25"
             },
             {
              "rel": "last",
              "uri": "/analytics/sessions/ps5ltuhfsTOeh6bP03Tq5OWc/events?currentPage=2&pageSize=25"
             }
            ]
           }
          }
         }
        }
       }
      }
     },
     "404": {
      "description": "Not Found",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/not-found"
        },
        "examples": {
         "response": {
          "value": {
           "type": "https://docs.api.video/docs/resourcenot_found",
           "title": "The requested resource was not found.",
           "name": "videoId",
           "status": 404
          }
         }
        }
       }
      }
     }
    },
    "security": [
     {
      "apiKey": []
     }
    ],
    "x-client-action": "listSessionEvents",
    "x-group-parameters": true,
    "x-client-paginated": true
   }
  }
 },
 "components": {
  "schemas": {
   "raw-statistics-list-player-session-events-response": {
    "title": "PlayerSessionEvents",
    "type": "object",
    "properties": {
     "data": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/player-session-event"
      }
     },
     "pagination": {
      "$ref": "#/components/schemas/pagination"
     }
    },
    "required": [
     "data",
     "pagination"
    ]
   },
   "raw-statistics-list-sessions-response": {
    "title": "VideoSessions",
    "type": "object",
    "properties": {
     "data": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/video-session"
      }
     },
     "pagination": {
      "$ref": "#/components/schemas/pagination"
     }
    },
    "required": [
     "data",
     "pagination"
    ]
   },
   "video-session": {
    "title": "VideoSession",
    "type": "object",
    "properties": {
     "session": {
      "$ref": "#/components/schemas/video-session-session"
     },
     "location": {
      "$ref": "#/components/schemas/video-session-location"
     },
     "referrer": {
      "$ref": "#/components/schemas/video-session-referrer"
     },
     "device": {
      "$ref": "#/components/schemas/video-session-device"
     },
     "os": {
      "$ref": "#/components/schemas/video-session-os"
     },
     "client": {
      "$ref": "#/components/schemas/video-session-client"
     }
    },
    "example": {
     "session": {
      "sessionId": "psEmFwGQUAXR2lFHj5nDOpy",
      "loadedAt": "2019-06-24T11:45:01.109Z",
      "endedAt": "2019-06-24T11:49:19.243Z"
     },
     "location": {
      "country": "France",
      "city": "Paris"
     },
     "referrer": {
      "url": "https://api.video",
      "medium": "organic",
      "source": "https://google.com",
      "searchTerm": "video encoding hosting and delivery"
     },
     "device": {
      "type": "desktop",
      "vendor": "Dell",
      "model": "unknown"
     },
     "os": {
      "name": "Microsoft Windows",
      "shortname": "W10",
      "version": "Windows10"
     },
     "client": {
      "type": "browser",
      "name": "Firefox",
      "version": "67.0"
     }
    }
   },
   "bad-request": {
    "title": "BadRequest",
    "type": "object",
    "properties": {
     "type": {
      "description": "A link to the error documentation.",
      "type": "string"
     },
     "title": {
      "description": "A description of the error that occurred.",
      "type": "string"
     },
     "name": {
      "description": "The name of the parameter that caused the error.",
      "type": "string"
     },
     "status": {
      "description": "The HTTP status code.",
      "type": "integer"
     },
     "problems": {
      "description": "Returns any additional problems in the request in an array of objects.",
      "uniqueItems": true,
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/additional-bad-request-errors"
      }
     }
    }
   },
   "additional-bad-request-errors": {
    "title": "BadRequest",
    "type": "object",
    "properties": {
     "type": {
      "description": "A link to the error documentation.",
      "type": "string"
     },
     "title": {
      "description": "A description of the error that occurred.",
      "type": "string"
     },
     "name": {
      "description": "The name of the parameter that caused the error.",
      "type": "string"
     },
     "status": {
      "description": "The HTTP status code.",
      "type": "integer"
     }
    }
   },
   "video-session-session": {
    "title": "VideoSessionSession",
    "type": "object",
    "properties": {
     "sessionId": {
      "type": "string",
      "description": "The unique identifier for the session that you can use to track what happens during it.",
      "example": "psEmFwGQUAXR2lFHj5nDOpy"
     },
     "loadedAt": {
      "type": "string",
      "description": "When the video session started, presented in ISO-8601 format.",
      "format": "date-time",
      "example": "2019-06-24T11:45:01.109Z"
     },
     "endedAt": {
      "type": "string",
      "description": "When the video session ended, presented in ISO-8601 format.",
      "format": "date-time",
      "example": "2019-06-24T12:45:01.109Z"
     },
     "metadata": {
      "type": "array",
      "description": "A list of key value pairs that you use to provide metadata for your video. These pairs can be made dynamic, allowing you to segment your audience. You can also just use the pairs as another way to tag and categorize your videos.",
      "example": "[{\"key\": \"Author\", \"value\": \"John Doe\"}]",
      "items": {
       "$ref": "#/components/schemas/metadata"
      }
     }
    }
   },
   "video-session-location": {
    "title": "VideoSessionLocation",
    "type": "object",
    "properties": {
     "country": {
      "type": "string",
      "description": "The country of the viewer.",
      "example": "France"
     },
     "city": {
      "type": "string",
      "description": "The city of the viewer.",
      "example": "Paris",
      "nullable": true
     }
    },
    "description": "The location of the viewer."
   },
   "not-found": {
    "title": "NotFound",
    "type": "object",
    "properties": {
     "type": {
      "type": "string"
     },
     "title": {
      "type": "string"
     },
     "name": {
      "type": "string"
     },
     "status": {
      "type": "integer"
     }
    }
   },
   "video-session-referrer": {
    "title": "VideoSessionReferrer",
    "type": "object",
    "properties": {
     "url": {
      "type": "string",
      "description": "The link the viewer used to reach the video session.",
      "example": "https://api.video",
      "nullable": true
     },
     "medium": {
      "type": "string",
      "description": "How they arrived at the site, for example organic or paid. Organic meaning they found it themselves and paid meaning they followed a link from an advertisement.",
      "example": "organic"
     },
     "source": {
      "type": "string",
      "description": "The source the referrer came from to the video session. For example if they searched through google to find the stream.",
      "example": "https://google.com"
     },
     "searchTerm": {
      "type": "string",
      "description": "The search term they typed to arrive at the video session."
     }
    }
   },
   "raw-statistics-list-live-stream-analytics-response": {
    "title": "LiveStreamSessions",
    "type": "object",
    "properties": {
     "data": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/live-stream-session"
      }
     },
     "pagination": {
      "$ref": "#/components/schemas/pagination"
     }
    },
    "required": [
     "data",
     "pagination"
    ]
   },
   "live-stream-session": {
    "title": "LiveStreamSession",
    "type": "object",
    "properties": {
     "session": {
      "$ref": "#/components/schemas/live-stream-session-session"
     },
     "location": {
      "$ref": "#/components/schemas/live-stream-session-location"
     },
     "referrer": {
      "$ref": "#/components/schemas/live-stream-session-referrer"
     },
     "device": {
      "$ref": "#/components/schemas/live-stream-session-device"
     },
     "os": {
      "$ref": "#/components/schemas/video-session-os"
     },
     "client": {
      "$ref": "#/components/schemas/live-stream-session-client"
     }
    }
   },
   "live-stream-session-referrer": {
    "title": "LiveStreamSessionReferrer",
    "type": "object",
    "properties": {
     "url": {
      "type": "string",
      "description": "The website the viewer of the live stream was referred to in order to view the live stream.",
      "example": "https://api.video"
     },
     "medium": {
      "type": "string",
      "description": "The type of search that brought the viewer to the live stream. Organic would be they found it on their own, paid would be they found it via an advertisement.",
      "example": "organic"
     },
     "source": {
      "type": "string",
      "description": "Where the viewer came from to see the live stream (usually where they searched from).",
      "example": "https://google.com"
     },
     "searchTerm": {
      "type": "string",
      "description": "What term they searched for that led them to the live stream.",
      "example": "video stream"
     }
    }
   },
   "live-stream-session-session": {
    "title": "LiveStreamSessionSession",
    "type": "object",
    "properties": {
     "sessionId": {
      "type": "string",
      "description": "A unique identifier for your session. You can use this to track what happens during a specific session."
     },
     "loadedAt": {
      "type": "string",
      "description": "When the session started, with the date and time presented in ISO-8601 format.",
      "format": "date-time",
      "example": "2019-06-24T11:45:01.109Z"
     },
     "endedAt": {
      "type": "string",
      "description": "When the session ended, with the date and time presented in ISO-8601 format.",
      "format": "date-time",
      "example": "2019-06-24T12:45:01.109Z"
     }
    }
   },
   "live-stream-session-device": {
    "title": "LiveStreamSessionDevice",
    "type": "object",
    "properties": {
     "type": {
      "type": "string",
      "description": "What the type is like desktop, laptop, mobile.",
      "example": "desktop"
     },
     "vendor": {
      "type": "string",
      "description": "If known, what the brand of the device is, like Apple, Dell, etc.",
      "example": "Dell"
     },
     "model": {
      "type": "string",
      "description": "The specific model of the device, if known.",
      "example": "unknown"
     }
    },
    "description": "What type of device the user is on when in the live stream session."
   },
   "live-stream-session-client": {
    "title": "LiveStreamSessionClient",
    "type": "object",
    "properties": {
     "name": {
      "type": "string",
      "description": "The name of the browser used to view the live stream session.",
      "example": "Firefox"
     },
     "version": {
      "type": "string",
      "description": "The version of the browser used to view the live stream session.",
      "example": "67.0"
     },
     "type": {
      "type": "string",
      "description": "The type of client used to view the live stream session.",
      "example": "browser"
     }
    },
    "description": "What kind of browser the viewer is using for the live stream session."
   },
   "authenticate-payload": {
    "title": "ApiKey",
    "required": [
     "apiKey"
    ],
    "type": "object",
    "properties": {
     "apiKey": {
      "type": "string",
      "description": "Your account API key. You can use your sandbox API key, or you can use your production API key."
     }
    },
    "example": {
     "apiKey": "9VxMaPgsaFg7EBqmuspSzF7"
    }
   },
   "access-token": {
    "title": "AccessToken",
    "type": "object",
    "properties": {
     "access_token": {
      "type": "string",
      "description": "The access token containing security credentials allowing you to acccess the API. The token lasts for one hour.",
      "example": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImp0aSI6IjUyZWM4NWUyMjFkODZjOWI0NDQ5NzBhMjQwMzUyOWQ4MDQyNGQ3ZmJjYjFlYWM2MjVlM2VkMjI2YWRlNTcxMDY2NDUyZDc0NjdhN2E4NjI0In0.eyJhdWQiOiJsaWJjYXN0IiwianRpIjoiNTJlYzg1ZTIyMWQ4NmM5YjQ0NDk3MGEyNDAzNTI5ZDgwNDI0ZDdmYmNiMWVhYzYyNWUzZWQyMjZhZGU1NzEwNjY0NTJkNzQ2N2E3YTg2MjQiLCJpYXQiOjE1MjUyNzYxNDcsIm5iZiI6MTUyNTI3NjE0NywiZXhwIjoxNTI1Mjc5NzQ3LCJzdWIiOiJ1c01vbml0b3IiLCJzY29wZXMiOlsibW9uaXRvci5saWJjYXN0LmNvbSJdLCJjb250ZXh0Ijp7InVzZXIiOiJ1c01vbml0b3IiLCJwcm9qZWN0IjoicHJNb25pdG9yIiwibWVtYmVyIjoibWVNb25pdG9yIn19.rUvishDNyJLNlI4W5VmguNecm5KD2uZgPkKJQbaqw-cJbSrVxkSbiKYtk_E3cz3WT7-IS2yFTsYN3uIo5Rbit8_HftweyEp2bdBRI8yjR6oZZ1sNJJXswISN1i2kk4r-aaxu7Xxf_LtsjOMUj_YZsvcc2nqBXPKjHbJCJryx3DDJaIcymOqao7nhQaCCQyrQooAXNTYs4E9fWN1dC_x2O-zok5TuG-xhEW-umwxfSUMWNgSTkz38ACceQ0PCJSgB3jqjDH4MwC7B3ppEPZuK5E6JhKeyRlalswRyYq3UQPnVeMTam7YQHsuTgbehF6WySW8i44o7V_MCe9hjPdp-WA"
     },
     "token_type": {
      "type": "string",
      "description": "The type of token you have.",
      "default": "bearer"
     },
     "refresh_token": {
      "type": "string",
      "description": "A token you can use to get the next access token when your current access token expires.",
      "example": "def50200a28d88fb9aaa921be78eeb5604b071101a334899a7d5fc7492cf8ea752962ddc8961fe5c126101d4ecacd980396eb2fd494995b812dffcb98256c4277f790d1f658fc2d2e34f350740544e5232d69d68d34c648271d706c5e7049adac0b1832d0fdf71809715cc7e97fa63f65966deadb501a55ff469b0fd23a637cb6acbe9d9b8594a17f09efc2efeed82984764a0065d5e29c950c7b081a61ba2aaa192be3085c400ee37eac50fa9320ce2cfe8916c8165418d23e9f91b6a5c8515e1d74ee193a5a1ca01954fbff27361c20184240be2359e0afbed0bf1c762cf872450b5e8b5d4704f4fd9583e4470adc98409dd42965709712806bd9019378a72eea0b4912ce684ffd833db5806ab84174f905db2a75380071d004615c944bb8f8c4045cce7234c2be9a2330522cf7f067b8e58f57cffb6edb4b7ef91313e12bcde47e5e76ceee7fa52990132288f345d33ed917ae4fd54b7284f8964d898e97e1ee3bc4157f75d7fee63976e4be66ac1ec32ef74afa533f0eb593523f226cbec57d196ac8962"
     },
     "expires_in": {
      "type": "integer",
      "description": "Lists the time in seconds when your access token expires. It lasts for one hour."
     }
    },
    "example": {
     "access_token": "est",
     "token_type": "qui nulla l",
     "refresh_token": "cillum",
     "expires_in": 3600
    }
   },
   "refresh-token-payload": {
    "title": "RefreshToken",
    "required": [
     "refreshToken"
    ],
    "type": "object",
    "properties": {
     "refreshToken": {
      "type": "string",
      "description": "The refresh token is either the first refresh token you received when you authenticated with the auth/api-key endpoint, or it's the refresh token from the last time you used the auth/refresh endpoint. Place this in the body of your request to obtain a new access token (which is valid for an hour) and a new refresh token.\n"
     }
    },
    "example": {
     "refreshToken": "def502005346d9cc2bd79a7793ab5bdabfefcaabfbb8c253f14733f1262077e1a3f38c4751d6d20f590c3784e531a82adc11f05fc1949aa46d5575aaa99cb84b9334ba66ac773576b5d7a418937ae337de62811d086dd42ad1164b12f87d67be6ffea18f2d50be9b95697b21c4d3c4372849bdb2287259cb80541570e913691a08b2fa33c85885930de15cebea627fc09f0255562ab3d39d87d4ff8fc02b00e252afcd480421dec7de9d1411176bcf669c527762e22294b453bc9ea06e9fa8ba5b873feb2ee14ce0a6a6ddd4b78c580631e210e9b9387265dc2bec9478a66a09dcdce1c40d2f856689e9d81742c9628a0b87b359e0b218ea1f07427eef89f999e47af89792f598e05847bd008fddc32ee63f4a601ffb4cd2ad08977f1c854ec358238322c918f05aa5a41f8a171dee497218408abc8283473f6112aeed7310815416a0fa36c63667e0ed014fa40b8992891bf58bae400d901c01450101c88f4978938ad138adc19cfe5698d60fd82cb27c586f6a8f70f4393c7c9e579df8739d46d249fb76d7"
    }
   },
   "video-session-os": {
    "title": "VideoSessionOs",
    "type": "object",
    "properties": {
     "name": {
      "type": "string",
      "description": "The name of the operating system.",
      "example": "Microsoft Windows"
     },
     "shortname": {
      "type": "string",
      "description": "The nickname for the operating system, often representing the version.",
      "example": "W10"
     },
     "version": {
      "type": "string",
      "description": "The version of the operating system.",
      "example": "Windows 10"
     }
    },
    "description": "The operating system the viewer is on."
   },
   "live-stream-session-location": {
    "title": "LiveStreamSessionLocation",
    "type": "object",
    "properties": {
     "country": {
      "type": "string",
      "description": "The country of the viewer of the live stream.",
      "example": "France"
     },
     "city": {
      "type": "string",
      "description": "The city of the viewer of the live stream.",
      "example": "Paris"
     }
    },
    "description": "The location of the viewer of the live stream."
   },
   "metadata": {
    "title": "Metadata",
    "type": "object",
    "properties": {
     "key": {
      "type": "string",
      "description": "The constant that defines the data set.",
      "example": "Color"
     },
     "value": {
      "type": "string",
      "description": "A variable which belongs to the data set.",
      "example": "Green"
     }
    },
    "x-client-all-args-constructor": true
   },
   "player-session-event": {
    "title": "PlayerSessionEvent",
    "type": "object",
    "properties": {
     "type": {
      "type": "string",
      "description": "Possible values are: ready, play, pause, resume, seek.backward, seek.forward, end",
      "example": "play"
     },
     "emittedAt": {
      "type": "string",
      "description": "When an event occurred, presented in ISO-8601 format.",
      "format": "date-time",
      "example": "2019-06-24T11:45:01.109Z"
     },
     "at": {
      "type": "integer"
     },
     "from": {
      "type": "integer"
     },
     "to": {
      "type": "integer"
     }
    }
   },
   "video-session-device": {
    "title": "VideoSessionDevice",
    "type": "object",
    "properties": {
     "type": {
      "type": "string",
      "description": "What the type is like desktop, laptop, mobile.",
      "example": "desktop"
     },
     "vendor": {
      "type": "string",
      "description": "If known, what the brand of the device is, like Apple, Dell, etc.",
      "example": "Dell"
     },
     "model": {
      "type": "string",
      "description": "The specific model of the device, if known.",
      "example": "unknown"
     }
    },
    "description": "What type of device the user is on when in the video session."
   },
   "video-session-client": {
    "title": "VideoSessionClient",
    "type": "object",
    "properties": {
     "name": {
      "type": "string",
      "description": "The name of the browser used to view the video session.",
      "example": "Firefox"
     },
     "version": {
      "type": "string",
      "description": "The version of the browser used to view the video session.",
      "example": "67.0"
     },
     "type": {
      "type": "string",
      "description": "The type of client used to view the video session.",
      "example": "browser"
     }
    },
    "description": "What kind of browser the viewer is using for the video session."
   },
   "pagination": {
    "title": "Pagination",
    "required": [
     "links"
    ],
    "type": "object",
    "properties": {
     "itemsTotal": {
      "type": "integer",
      "description": "Total number of items that exist.",
      "readOnly": true
     },
     "pagesTotal": {
      "type": "integer",
      "description": "Number of items listed in the current page.",
      "readOnly": true
     },
     "pageSize": {
      "type": "integer",
      "description": "Maximum number of item per page.",
      "readOnly": true
     },
     "currentPage": {
      "type": "integer",
      "description": "The current page index.",
      "readOnly": true
     },
     "currentPageItems": {
      "type": "integer",
      "description": "The number of items on the current page.",
      "readOnly": true
     },
     "links": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/pagination-link"
      }
     }
    },
    "example": {
     "itemsTotal": 123,
     "pagesTotal": 7,
     "pageSize": 20,
     "currentPage": 3,
     "currentPageItems": 20,
     "links": {
      "first": {
       "rel": "first",
       "uri": "/videos/search?currentPage=1&pageSize=20"
      },
      "previous": {
       "rel": "previous",
       "uri": "/videos/search?currentPage=2&pageSize=20"
      },
      "next": {
       "rel": "next",
       "uri": "/videos/search?currentPage=4&pageSize=20"
      },
      "last": {
       "rel": "last",
       "uri": "/videos/search?currentPage=6&pageSize=20"
      }
     }
    }
   },
   "pagination-link": {
    "title": "PaginationLink",
    "type": "object",
    "properties": {
     "rel": {
      "type": "string"
     },
     "uri": {
      "type": "string",
      "format": "uri"
     }
    }
   }
  },
  "parameters": {
   "page-size": {
    "name": "pageSize",
    "in": "query",
    "description": "Results per page. Allowed values 1-100, default is 25.",
    "required": false,
    "style": "form",
    "explode": true,
    "schema": {
     "type": "integer",
     "default": 25
    },
    "example": 30
   },
   "current-page": {
    "name": "currentPage",
    "in": "query",
    "description": "Choose the number of search results to return per page. Minimum value: 1",
    "required": false,
    "style": "form",
    "explode": true,
    "schema": {
     "type": "integer",
     "default": 1
    },
    "example": 2
   }
  },
  "securitySchemes": {
   "bearerAuth": {
    "type": "http",
    "scheme": "bearer"
   },
   "apiKey": {
    "type": "http",
    "scheme": "basic"
   }
  }
 }
}
""")
